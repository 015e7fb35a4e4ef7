"""Checking a document's content: every missing field and every invalid value, together."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from documents.domain.errors import FieldProblem, InvalidDocument
from documents.domain.identifiers import siret_or_siren_problem, vat_number_problem
from documents.domain.kinds import DocumentKind, Profile
from documents.domain.money import Line
from documents.domain.organisation import Organisation
from documents.domain.requirements import INTERVENTION_RESULTS, LINE_FIELDS, required_fields

Content = Mapping[str, Any]


def value_at(content: Content, path: str) -> Any:
    value: Any = content
    for name in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def check_content(kind: DocumentKind, profile: Profile, content: Content, organisation: Organisation) -> None:
    """Raise :class:`InvalidDocument` naming every missing field and every invalid value."""
    problems = [
        FieldProblem(f"content.{path}", "required", "missing")
        for path in required_fields(kind, profile)
        if is_blank(value_at(content, path))
    ]
    if kind.has_lines and isinstance(content.get("lines"), list):
        for index, raw in enumerate(content["lines"]):
            problems.extend(line_problems(index, raw, organisation))
    problems.extend(identifier_problems(content))
    problems.extend(value_problems(kind, content))
    if problems:
        raise InvalidDocument(problems)


def line_problems(index: int, raw: Any, organisation: Organisation) -> list[FieldProblem]:
    where = f"content.lines[{index}]"
    if not isinstance(raw, Mapping):
        return [FieldProblem(where, "a line is an object", "invalid")]
    problems = [
        FieldProblem(f"{where}.{name}", "required", "missing")
        for name in LINE_FIELDS
        if is_blank(raw.get(name))
    ]
    for name in ("quantity", "unit_price", "vat_rate"):
        if is_blank(raw.get(name)):
            continue
        amount = decimal_of(raw[name])
        if amount is None:
            problems.append(
                FieldProblem(f"{where}.{name}", "a decimal number, written as a string or an integer")
            )
        elif amount < 0:
            problems.append(FieldProblem(f"{where}.{name}", "must not be negative"))
        elif name == "quantity" and amount == 0:
            problems.append(FieldProblem(f"{where}.{name}", "must be more than zero"))
        elif name == "vat_rate" and amount not in organisation.vat_rates:
            allowed = ", ".join(str(rate) for rate in organisation.vat_rates)
            problems.append(
                FieldProblem(f"{where}.{name}", f"not one of the organisation's VAT rates ({allowed})")
            )
    return problems


def identifier_problems(content: Content) -> list[FieldProblem]:
    problems = []
    siret = value_at(content, "customer.siret")
    if isinstance(siret, str) and siret and (problem := siret_or_siren_problem(siret)):
        problems.append(FieldProblem("content.customer.siret", problem))
    vat = value_at(content, "customer.vat_number")
    if isinstance(vat, str) and vat and (problem := vat_number_problem(vat)):
        problems.append(FieldProblem("content.customer.vat_number", problem))
    return problems


def value_problems(kind: DocumentKind, content: Content) -> list[FieldProblem]:
    problems = []
    validity = content.get("validity_days")
    if validity is not None and (
        not isinstance(validity, int) or isinstance(validity, bool) or validity <= 0
    ):
        problems.append(FieldProblem("content.validity_days", "a whole number of days, more than zero"))
    if kind is DocumentKind.INTERVENTION_REPORT and content.get("result") not in (
        None,
        *INTERVENTION_RESULTS,
    ):
        problems.append(FieldProblem("content.result", f"one of {', '.join(INTERVENTION_RESULTS)}"))
    return problems


def decimal_of(raw: Any) -> Decimal | None:
    """Exact decimals only: a string or an integer (a JSON float has already lost digits)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def lines_of(content: Content) -> list[Line]:
    """The lines of checked content, as money values."""
    return [
        Line(
            str(raw["description"]),
            Decimal(raw["quantity"]),
            Decimal(raw["unit_price"]),
            Decimal(raw["vat_rate"]),
        )
        for raw in content.get("lines") or []
    ]
