"""Duplicate detection at customer creation (docs/domain.md §2.5).

Two steps, as usual for record linkage: the adapter fetches the existing customers that
share a `block_keys` value with the new one (an index lookup), then `find_duplicates`
scores that short list here. Scoring is additive and explainable: name similarity (accent,
case and word-order insensitive, so swapped first/last names score 100) plus points for
each shared identifier. A same name alone stays below the default threshold: homonyms are
common, a shared email, phone, postal code or company is what makes a duplicate likely.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from intake.domain.formats import FormatError, normalise_phone
from intake.domain.text import fold

#: Legal-form words dropped before comparing company names ("ACME SAS" == "Acme").
LEGAL_FORMS = frozenset(
    "sa sas sasu sarl eurl snc sci scop scic gie inc incorporated ltd limited llc "
    "llp plc gmbh corp corporation co cie ltee".split()
)

_E164 = re.compile(r"\+[1-9]\d{6,14}")


@dataclass(frozen=True, slots=True)
class CustomerIdentity:
    """What duplicate detection reads from a customer. `phone` is ideally E.164 already;
    otherwise it is parsed with `region`."""

    customer_id: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    region: str = "FR"


class DuplicateReason(StrEnum):
    SAME_EMAIL = "same_email"
    SAME_PHONE = "same_phone"
    SIMILAR_NAME = "similar_name"
    SWAPPED_NAMES = "swapped_names"
    SIMILAR_COMPANY = "similar_company"
    SAME_POSTAL_CODE = "same_postal_code"


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    customer_id: str
    score: float
    """0-100; see `DuplicatePolicy` for how it adds up."""
    reasons: tuple[DuplicateReason, ...]


@dataclass(frozen=True, slots=True)
class DuplicatePolicy:
    """Weights and thresholds, per organisation.

    score = name points + the points of every shared identifier, capped at 100. Name points
    grow from 0 at `name_floor` similarity to `name_points` at 100: unrelated names still
    share letters (ratio 30-45), and that noise must not add up with a shared switchboard.
    When names cannot be compared (absent on one side), they count `unknown_name_points`.
    """

    threshold: float = 70.0
    name_points: float = 60.0
    name_floor: float = 50.0
    unknown_name_points: float = 30.0
    email_points: float = 40.0
    phone_points: float = 35.0
    company_points: float = 15.0
    postal_code_points: float = 15.0
    similar_name: float = 85.0
    """Name (or company) similarity from which it counts as a reason."""


DEFAULT_DUPLICATE_POLICY = DuplicatePolicy()


@dataclass(frozen=True, slots=True)
class _Folded:
    name: str  # folded person name, tokens sorted: word order no longer matters
    first: str
    last: str
    company: str  # folded, legal forms dropped, tokens sorted
    email: str
    phone: str
    postal_code: str


def _phone_key(phone: str | None, region: str) -> str:
    if not phone or not phone.strip():
        return ""
    if _E164.fullmatch(phone):
        return phone  # stored phones are E.164 already; parsing them is the slow part
    try:
        return normalise_phone(phone, region)
    except FormatError:
        return "".join(ch for ch in phone if ch.isdigit())


@lru_cache(maxsize=131_072)
def _folded(identity: CustomerIdentity) -> _Folded:
    first, last = fold(identity.first_name or ""), fold(identity.last_name or "")
    # "S.A.S." -> "sas" before folding, so dotted legal forms are recognised too
    company_words = [
        w for w in fold((identity.company or "").replace(".", "")).split() if w not in LEGAL_FORMS
    ]
    return _Folded(
        name=" ".join(sorted(f"{first} {last}".split())),
        first=first,
        last=last,
        company=" ".join(sorted(company_words)),
        email=(identity.email or "").strip().casefold(),
        phone=_phone_key(identity.phone, identity.region),
        postal_code=(identity.postal_code or "").replace(" ", "").upper(),
    )


def block_keys(identity: CustomerIdentity) -> set[str]:
    """Index keys for the adapter: existing customers sharing any key with a new one are
    the ones to score. The name key keeps the first three letters of each word, sorted,
    so accent, case, word-order and most end-of-word spelling variants share it."""
    folded = _folded(identity)
    keys = set()
    if folded.email:
        keys.add(f"email:{folded.email}")
    if folded.phone:
        keys.add(f"phone:{folded.phone}")
    if folded.company:
        keys.add(f"company:{folded.company}")
    prefixes = sorted(word[:3] for word in folded.name.split() if len(word) >= 2)
    if prefixes:
        keys.add("name:" + "|".join(prefixes))
    return keys


def _score(new: _Folded, old: _Folded, policy: DuplicatePolicy) -> tuple[float, tuple[DuplicateReason, ...]]:
    reasons: list[DuplicateReason] = []
    company_similarity = fuzz.ratio(new.company, old.company) if new.company and old.company else 0.0
    # Person names when both records have them, else company names (B2B records without
    # a named contact); a missing name neither confirms nor contradicts.
    similarity: float | None
    if new.last and old.last:
        similarity = fuzz.ratio(new.name, old.name)
        if similarity >= policy.similar_name:
            swapped = bool(new.first) and new.first == old.last and new.last == old.first
            reasons.append(DuplicateReason.SWAPPED_NAMES if swapped else DuplicateReason.SIMILAR_NAME)
    elif new.company and old.company:
        similarity = company_similarity
    else:
        similarity = None
    if similarity is None:
        score = policy.unknown_name_points
    else:
        above_floor = max(0.0, similarity - policy.name_floor) / (100.0 - policy.name_floor)
        score = policy.name_points * above_floor
    evidence = (
        (new.email != "" and new.email == old.email, DuplicateReason.SAME_EMAIL, policy.email_points),
        (new.phone != "" and new.phone == old.phone, DuplicateReason.SAME_PHONE, policy.phone_points),
        (company_similarity >= policy.similar_name, DuplicateReason.SIMILAR_COMPANY, policy.company_points),
        (
            new.postal_code != "" and new.postal_code == old.postal_code,
            DuplicateReason.SAME_POSTAL_CODE,
            policy.postal_code_points,
        ),
    )
    for shared, reason, points in evidence:
        if shared:
            reasons.append(reason)
            score += points
    return round(min(score, 100.0), 1), tuple(reasons)


def find_duplicates(
    new: CustomerIdentity,
    existing: Iterable[CustomerIdentity],
    policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY,
    limit: int | None = 10,
) -> list[DuplicateCandidate]:
    """Existing customers likely to be `new`, best first (ties by id). `new` itself, if
    already stored, is skipped by id."""
    folded_new = _folded(new)
    found = []
    for identity in existing:
        if identity.customer_id == new.customer_id:
            continue
        score, reasons = _score(folded_new, _folded(identity), policy)
        if score >= policy.threshold:
            found.append(DuplicateCandidate(identity.customer_id, score, reasons))
    found.sort(key=lambda c: (-c.score, c.customer_id))
    return found if limit is None else found[:limit]
