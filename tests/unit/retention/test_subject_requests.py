"""Data-subject requests: one calendar month (end-of-month rule), extension rules, steps
refused out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.catalogue.retention import (
    ConsentWithdrawn,
    DataSubjectRequestCompleted,
    RequestKind,
)
from retention.domain.calendar import add_months, one_month_after
from retention.domain.errors import IdentityNotVerified, RequestRefused, UnknownSubject
from retention.domain.subject_request import SubjectRequest, deadline_marks

RECEIVED = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def request(
    kind: RequestKind = "access", *, customer: bool = True, at: datetime = RECEIVED
) -> SubjectRequest:
    return SubjectRequest.receive(
        uuid4(),
        kind,
        uuid4() if customer else None,
        {"name": "Jeanne Martin"},
        "email",
        "agent-1",
        at,
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 11, 29, 9, 30, tzinfo=UTC), datetime(2026, 12, 29, 9, 30, tzinfo=UTC)),
        (datetime(2027, 1, 31, 8, 0, tzinfo=UTC), datetime(2027, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime(2028, 1, 31, 8, 0, tzinfo=UTC), datetime(2028, 2, 29, 8, 0, tzinfo=UTC)),
        (datetime(2026, 12, 15, 8, 0, tzinfo=UTC), datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 31, 8, 0, tzinfo=UTC), datetime(2026, 4, 30, 8, 0, tzinfo=UTC)),
    ],
)
def test_due_one_calendar_month_from_receipt_clamped_to_the_month_end(
    received: datetime, due: datetime
) -> None:
    assert one_month_after(received) == due
    assert request(at=received).due_at == due
    assert request(at=received).pending[0].due_at == due  # type: ignore[attr-defined]


def test_an_extension_before_the_first_month_ends_pushes_the_due_date() -> None:
    r = request()
    r.extend(2, "numerous requests", RECEIVED + timedelta(days=10), "dpo", RECEIVED + timedelta(days=10))
    assert r.due_at == add_months(RECEIVED, 3) == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)


def test_an_extension_after_the_first_month_or_told_too_late_is_refused() -> None:
    r = request()
    late = one_month_after(RECEIVED)
    with pytest.raises(RequestRefused):
        r.extend(1, "complex", RECEIVED, "dpo", late)
    with pytest.raises(RequestRefused):
        r.extend(1, "complex", late, "dpo", RECEIVED + timedelta(days=1))
    assert r.due_at == late


def test_an_extension_is_one_or_two_months_once() -> None:
    r = request()
    with pytest.raises(RequestRefused):
        r.extend(3, "complex", RECEIVED, "dpo", RECEIVED)
    r.extend(1, "complex", RECEIVED, "dpo", RECEIVED)
    with pytest.raises(RequestRefused):
        r.extend(1, "again", RECEIVED, "dpo", RECEIVED)


def test_an_export_while_identity_is_unverified_is_refused() -> None:
    r = request()
    with pytest.raises(IdentityNotVerified):
        r.export(3, "json", "dpo", RECEIVED)
    r.verify_identity("ID card seen at the counter", "dpo", RECEIVED)
    r.export(3, "json", "dpo", RECEIVED)
    assert r.exports == 1


def test_an_erasure_needs_a_known_subject_and_happens_once() -> None:
    anonymous = request("erasure", customer=False)
    anonymous.verify_identity("email reply", "dpo", RECEIVED)
    with pytest.raises(UnknownSubject):
        anonymous.check_erasable()
    r = request("erasure")
    r.verify_identity("email reply", "dpo", RECEIVED)
    r.erase(("contractual",), (), ("k1",), 4, "dpo", RECEIVED)
    with pytest.raises(RequestRefused):
        r.erase(("contractual",), (), (), 0, "dpo", RECEIVED)


def test_an_objection_withdraws_consent_on_completion() -> None:
    r = request("objection")
    r.verify_identity("account login", "dpo", RECEIVED)
    r.complete("dpo", RECEIVED)
    kinds = [type(e) for e in r.pending[-2:]]
    assert kinds == [ConsentWithdrawn, DataSubjectRequestCompleted]
    assert "prospection consent withdrawn" in r.actions
    with pytest.raises(RequestRefused):
        r.complete("dpo", RECEIVED)


def test_warned_and_overdue_are_the_sla_clocks_marks_of_the_current_due_date() -> None:
    r = request()
    due = one_month_after(RECEIVED)
    assert deadline_marks(r.due_at, []) == (False, False)
    assert deadline_marks(r.due_at, [("warning", due)]) == (True, False)
    assert deadline_marks(r.due_at, [("warning", due), ("breach", due)]) == (True, True)
    assert len(r.pending) == 1, "retention records nothing of its own for them"
    r.extend(1, "complex", due - timedelta(days=2), "dpo", due - timedelta(days=2))
    assert deadline_marks(r.due_at, [("warning", due)]) == (False, False), "the extension moved it"
    assert deadline_marks(r.due_at, [("warning", due), ("warning", add_months(RECEIVED, 2))]) == (True, False)
