from dataclasses import replace
from datetime import UTC, datetime

import pytest

from events.vocabulary import Channel
from intake.domain.missing_info import REQUIRED_FIELDS, RequestDraft, missing_request_fields
from intake.domain.vocabulary import DataAnomaly

COMPLETE = RequestDraft(
    customer_id="c1",
    channel=Channel.EMAIL,
    subject="Facture en double",
    description="Deux prélèvements pour la facture F-2026-031",
    received_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
)


def missing_names(draft: RequestDraft) -> list[str]:
    return [p.field for p in missing_request_fields(draft)]


def test_complete_request_has_nothing_missing() -> None:
    assert missing_request_fields(COMPLETE) == []


def test_known_contact_can_stand_in_for_an_unknown_customer() -> None:
    draft = replace(COMPLETE, customer_id=None, contact="06 12 34 56 78")
    assert missing_names(draft) == []


BLANKS = [(field, None) for field in REQUIRED_FIELDS] + [
    (field, blank) for field in ("subject", "description") for blank in ("", "  ")
]


@pytest.mark.parametrize(("field", "blank"), BLANKS)
def test_each_missing_mandatory_field_is_reported(field: str, blank: str | None) -> None:
    assert missing_names(replace(COMPLETE, **{field: blank})) == [field]  # type: ignore[arg-type]


def test_request_without_customer_nor_contact_is_flagged_on_both() -> None:
    assert missing_names(replace(COMPLETE, customer_id=None)) == ["customer_id", "contact"]


def test_empty_request_reports_everything_and_never_raises() -> None:
    problems = missing_request_fields(RequestDraft())
    assert [p.field for p in problems] == ["customer_id", "contact", *REQUIRED_FIELDS]
    assert all(p.kind is DataAnomaly.MISSING for p in problems)
