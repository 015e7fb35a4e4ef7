"""The printable-text rule every text field follows, whatever the storage behind it.

``clean_text`` is pure, so the schemas that accept text and the rules that compare it (duplicate
detection) clean it the same way:

- NFC normalisation, so "é" typed two ways is one string;
- zero-width characters (U+200B-U+200D, U+2060-U+2064, U+FEFF, U+180E, soft hyphen) are
  removed: they are invisible, come from copy and paste, and would make two equal names differ;
- bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) are refused:
  they change how the text around them reads;
- control characters are refused (NUL included), and so are lone surrogates and the Unicode
  line and paragraph separators; a multi-line text keeps ``\\n`` and ``\\t`` (``\\r\\n`` becomes
  ``\\n``), a single line keeps neither;
- surrounding whitespace is trimmed, and a value empty after all that is refused.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\t")

__all__ = ["BIDI_CONTROLS", "ZERO_WIDTH", "UnprintableText", "clean_text", "strip_invisible"]


class UnprintableText(ValueError):
    """A text that breaks the printable-text rule; the message says which character."""


def strip_invisible(text: str) -> str:
    """``text`` in NFC without its zero-width characters (what comparisons should see)."""
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` cleaned by the rule above, or :class:`UnprintableText` naming what is refused."""
    cleaned = strip_invisible(text)
    if multiline:
        cleaned = cleaned.replace("\r\n", "\n")
    bidi = BIDI_CONTROLS.search(cleaned)
    if bidi:
        raise UnprintableText(f"must not contain the bidirectional control U+{ord(bidi[0]):04X}")
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    for character in cleaned:
        if character not in allowed and unicodedata.category(character) in _REFUSED_CATEGORIES:
            kind = "line breaks" if character in "\r\n\u2028\u2029" else "control characters"
            raise UnprintableText(f"must not contain {kind} (U+{ord(character):04X})")
    cleaned = cleaned.strip()
    if not cleaned:
        raise UnprintableText("must not be empty or only invisible characters")
    return cleaned
