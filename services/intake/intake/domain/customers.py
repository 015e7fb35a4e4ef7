"""Entry checks for a customer record (docs/domain.md §2.3, §2.4, §2.6).

All problems are collected (never stop at the first) so an API can flag every field.
Missing and erroneous data block creation; an ended contract only flags the record as
obsolete, because the customer may legitimately be calling about that very contract.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Any

from events.vocabulary import Channel
from intake.domain.errors import InvalidCustomer
from intake.domain.formats import (
    FormatError,
    normalise_country,
    normalise_email,
    normalise_phone,
    normalise_postal_code,
)
from intake.domain.problems import FieldProblem, is_blank, missing
from intake.domain.vocabulary import CustomerProfile, DataAnomaly, Language


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """A customer as typed at entry; `check_customer` returns its normalised copy."""

    profile: CustomerProfile
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "FR"
    contract_refs: tuple[str, ...] = ()
    contract_end: date | None = None
    language: Language = Language.FR
    preferred_channel: Channel | None = None


Group = tuple[str, ...]
_CONTACT: Group = ("email", "phone")

#: Per profile, groups of fields of which at least one must be filled. Why these:
#: B2B is a company plus a named contact; B2C and public-service users are people, and the
#: latter may need an answer by letter (legal value, appeals), hence a postal address;
#: strategic status comes from a contract, so its reference is required.
MANDATORY_FIELDS: Mapping[CustomerProfile, tuple[Group, ...]] = MappingProxyType(
    {
        CustomerProfile.B2B: (("company",), ("last_name",), _CONTACT),
        CustomerProfile.B2C: (("first_name",), ("last_name",), _CONTACT),
        CustomerProfile.PUBLIC_SERVICE: (
            ("first_name",),
            ("last_name",),
            ("postal_code",),
            ("city",),
            _CONTACT,
        ),
        CustomerProfile.STRATEGIC: (("company", "last_name"), ("contract_refs",), _CONTACT),
    }
)

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class CustomerCheck:
    customer: CustomerDraft
    problems: tuple[FieldProblem, ...] = ()

    @property
    def blocking_problems(self) -> tuple[FieldProblem, ...]:
        return tuple(p for p in self.problems if p.blocking)

    @property
    def obsolete(self) -> bool:
        return any(p.kind is DataAnomaly.OBSOLETE for p in self.problems)

    def raise_if_blocking(self) -> CustomerDraft:
        """The normalised customer, or `InvalidCustomer` listing every blocking problem."""
        if self.blocking_problems:
            raise InvalidCustomer(self.blocking_problems)
        return self.customer


def missing_fields(
    draft: CustomerDraft,
    mandatory: Mapping[CustomerProfile, tuple[Group, ...]] = MANDATORY_FIELDS,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for group in mandatory[draft.profile]:
        if all(is_blank(getattr(draft, name)) for name in group):
            message = None if len(group) == 1 else f"give at least one of: {', '.join(group)}"
            problems.extend(missing(name, message) for name in group)
    return problems


def check_customer(
    draft: CustomerDraft,
    today: date,
    mandatory: Mapping[CustomerProfile, tuple[Group, ...]] = MANDATORY_FIELDS,
) -> CustomerCheck:
    """Normalise what can be normalised and report every problem by field."""
    problems = missing_fields(draft, mandatory)
    values: dict[str, Any] = {}  # field name -> normalised value, for replace()

    def normalise(name: str, normaliser: Callable[[str], object]) -> None:
        raw = getattr(draft, name)
        if is_blank(raw):
            values[name] = None
            return
        try:
            values[name] = normaliser(raw.strip())
        except FormatError as error:
            problems.append(FieldProblem(name, str(error)))

    normalise("country", normalise_country)
    if is_blank(draft.country):
        problems.append(missing("country"))
    region = str(values.get("country") or "FR")
    normalise("email", normalise_email)
    normalise("phone", lambda raw: normalise_phone(raw, region))
    normalise("postal_code", lambda raw: normalise_postal_code(raw, region))
    for name in ("first_name", "last_name", "company", "street", "city"):
        normalise(name, lambda raw: " ".join(raw.split()))
    for name in ("first_name", "last_name"):
        if isinstance(values.get(name), str) and _DIGIT.search(str(values[name])):
            problems.append(FieldProblem(name, "a name should not contain digits"))
    refs = tuple(ref.strip() for ref in draft.contract_refs if ref.strip())
    if refs != draft.contract_refs:
        values["contract_refs"] = refs
    if draft.contract_end is not None and draft.contract_end < today:
        problems.append(
            FieldProblem(
                "contract_end",
                f"contract ended on {draft.contract_end.isoformat()}: data may be obsolete",
                DataAnomaly.OBSOLETE,
            )
        )
    return CustomerCheck(replace(draft, **values), tuple(problems))
