"""Mandatory fields per kind, line checks and company identifiers (python-stdnum)."""

from typing import Any

import pytest

from documents.domain.content import check_content
from documents.domain.errors import InvalidDocument
from documents.domain.identifiers import siret_or_siren_problem, vat_number_problem
from documents.domain.kinds import DocumentKind, Profile
from documents.domain.organisation import DEFAULT_ORGANISATION

ORG = DEFAULT_ORGANISATION


def problems(kind: DocumentKind, profile: Profile, content: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidDocument) as refused:
        check_content(kind, profile, content, ORG)
    return {p.field: p.kind for p in refused.value.problems}


def test_an_empty_quote_names_every_missing_field() -> None:
    assert problems(DocumentKind.QUOTE, Profile.B2C, {}) == {
        "content.customer.name": "missing",
        "content.customer.address": "missing",
        "content.lines": "missing",
        "content.validity_days": "missing",
        "content.payment_terms": "missing",
        "content.delivery_delay": "missing",
    }


def test_a_business_quote_also_needs_the_customers_identifiers() -> None:
    found = problems(DocumentKind.QUOTE, Profile.B2B, {})
    assert {"content.customer.siret", "content.customer.vat_number"} <= set(found)


def test_the_delay_notice_has_its_five_blocks_compensation_optional() -> None:
    found = problems(DocumentKind.DELAY_NOTICE, Profile.B2C, {"compensation": "10 %"})
    assert {"content.acknowledgement", "content.cause", "content.action", "content.new_estimate"} <= set(
        found
    )
    assert "content.compensation" not in found


def test_a_line_with_a_negative_quantity_or_a_rate_outside_the_list_is_refused() -> None:
    content = {"lines": [{"description": "x", "quantity": "-2", "unit_price": "1.5", "vat_rate": "7"}]}
    found = problems(DocumentKind.QUOTE, Profile.B2C, content)
    assert found["content.lines[0].quantity"] == "invalid"
    assert found["content.lines[0].vat_rate"] == "invalid"


def test_a_float_amount_is_refused_decimals_come_as_text() -> None:
    content = {"lines": [{"description": "x", "quantity": 1, "unit_price": 19.99, "vat_rate": "20"}]}
    assert problems(DocumentKind.QUOTE, Profile.B2C, content)["content.lines[0].unit_price"] == "invalid"


def test_a_complete_intervention_report_passes() -> None:
    content = {
        "what_happened": "Panne réseau",
        "what_was_done": "Routeur remplacé",
        "result": "restored",
        "prevention": "Supervision ajoutée",
        "follow_up": "Contrôle à J+7",
    }
    check_content(DocumentKind.INTERVENTION_REPORT, Profile.B2C, content, ORG)


@pytest.mark.parametrize("value", ["73282932000074", "732 829 320", "732829320 00074"])
def test_valid_siret_and_siren_pass(value: str) -> None:
    assert siret_or_siren_problem(value) is None


@pytest.mark.parametrize("value", ["73282932000075", "12345678", "ABCDEFGHIJKLMN"])
def test_malformed_siret_is_refused(value: str) -> None:
    assert siret_or_siren_problem(value) is not None


def test_intra_eu_vat_numbers_are_checked() -> None:
    assert vat_number_problem("FR44732829320") is None
    assert vat_number_problem("FR45732829320") is not None
    assert vat_number_problem("DE136695976") is None
    assert vat_number_problem("XX123") is not None
