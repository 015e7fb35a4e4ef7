"""Text folding shared by the rules that compare what people typed."""

import re
import unicodedata
from functools import lru_cache

from events.text import strip_invisible

_NON_WORD = re.compile(r"[^\w]+")


def strip_accents(text: str) -> str:
    """ "Éloïse" -> "Eloise". Also splits ligatures such as "œ" -> "oe" via casefold later."""
    if text.isascii():
        return text  # the common case, and ten times cheaper
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Accent-free, case-free, punctuation-free words separated by single spaces.

    Zero-width characters are dropped first, as the schemas do (events.text): a name with a
    zero-width space inside folds like the same name without it. Cached because duplicate
    scoring folds the same stored names over and over.
    """
    folded = strip_accents(strip_invisible(text)).casefold().replace("œ", "oe").replace("æ", "ae")
    return _NON_WORD.sub(" ", folded).replace("_", " ").strip()
