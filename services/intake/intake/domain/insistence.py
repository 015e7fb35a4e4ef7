"""Detects a justification that rests on the customer's insistence (docs/domain.md §3.4, §8.6).

A chase is never a reason to change priority. The patterns are data (regular expressions
over text folded by `text.fold`: no accents, lowercase, punctuation turned into spaces) so an
organisation can extend them; French and English wording are covered by default.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

from intake.domain.text import fold

INSISTENCE_PATTERNS: tuple[str, ...] = (
    # French and English: insiste, insistance, insistant, insists, insistence...
    r"\binsist",
    # French chasing: "relance du client", "le client nous relance", "3 relances"
    r"\brelanc\w*\s+(?:du|de la part du|par le|de notre|de ce)\s+client",
    r"\bclient\w*\s+(?:\w+\s+){0,3}relanc",
    r"\b(?:plusieurs|nombreuses|multiples|nouvelle|\d+)\s+relances?\b",
    r"\brappel\w*\s+(?:\w+\s+)?(?:plusieurs fois|sans cesse|encore|a nouveau|\d+ fois)",
    r"\b(?:met|mis|mettre|sous)\s+(?:la\s+)?pression\b",
    r"\bs impatiente\b",
    # English chasing: "customer chased", "keeps calling", "called 3 times", "pushy"
    r"\bchas(?:e|es|ed|ing)\b",
    r"\bkeeps?\s+(?:calling|asking|emailing|writing|chasing|pushing|phoning)\b",
    r"\b(?:called|phoned|rang|emailed|wrote|asked)\b(?:\s+\w+){0,3}\s+"
    r"(?:again|repeatedly|several times|many times|\d+ times)\b",
    r"\bfollow(?:ed)?\s*ups?\s+from\s+(?:the\s+)?(?:customer|client)\b",
    r"\b(?:customer|client)\s+(?:is\s+)?(?:pushing|pressing|pressure)\b",
    r"\bpushy\b",
)


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def mentions_insistence(text: str, patterns: Sequence[str] = INSISTENCE_PATTERNS) -> bool:
    """True when `text` justifies something by the customer insisting or chasing."""
    if not patterns:
        return False
    return _compiled(tuple(patterns)).search(fold(text)) is not None
