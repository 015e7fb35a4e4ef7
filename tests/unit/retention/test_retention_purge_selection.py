"""Purge selection with an injected 'now': anchors per category, legal holds, already erased."""

from __future__ import annotations

from datetime import UTC, date, datetime

from retention.domain.calendar import add_months
from retention.domain.policies import DEFAULT_POLICY
from retention.domain.purge import SubjectActivity, select_for_purge

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CALLS = DEFAULT_POLICY.period("call_recording")
BILLING = DEFAULT_POLICY.period("billing")
CONTRACTUAL = DEFAULT_POLICY.period("contractual")
COMPLAINT = DEFAULT_POLICY.period("complaint")
PROSPECTION = DEFAULT_POLICY.period("prospection")


def customer(**fields: object) -> SubjectActivity:
    return SubjectActivity(subject="c-1", **fields)  # type: ignore[arg-type]


def test_a_call_recorded_more_than_six_months_ago_is_purged_and_billing_kept() -> None:
    called = add_months(NOW, -6) - (NOW - NOW.replace(hour=11))
    activity = customer(last_call=called, last_activity=called, last_interaction=called)
    assert select_for_purge([activity], CALLS, NOW).due == ("c-1",)
    assert select_for_purge([activity], BILLING, NOW).due == ()


def test_a_call_recorded_less_than_six_months_ago_is_kept() -> None:
    activity = customer(last_call=add_months(NOW, -6).replace(hour=13))
    assert select_for_purge([activity], CALLS, NOW).due == ()


def test_billing_goes_ten_years_after_the_last_activity() -> None:
    assert select_for_purge([customer(last_activity=add_months(NOW, -120))], BILLING, NOW).due == ("c-1",)
    assert select_for_purge([customer(last_activity=add_months(NOW, -119))], BILLING, NOW).due == ()


def test_contractual_data_counts_from_the_contract_end_and_never_while_it_runs() -> None:
    assert select_for_purge([customer(contract_end=date(2021, 11, 29))], CONTRACTUAL, NOW).due == ("c-1",)
    assert select_for_purge([customer(contract_end=date(2021, 11, 30))], CONTRACTUAL, NOW).due == ()
    old = add_months(NOW, -200)
    assert select_for_purge([customer(last_interaction=old, last_activity=old)], CONTRACTUAL, NOW).due == ()


def test_complaints_wait_for_every_request_to_be_closed() -> None:
    closed = add_months(NOW, -61)
    assert select_for_purge([customer(last_closure=closed)], COMPLAINT, NOW).due == ("c-1",)
    assert select_for_purge([customer(last_closure=closed, open_requests=1)], COMPLAINT, NOW).due == ()


def test_prospection_ends_three_years_without_interaction() -> None:
    assert select_for_purge([customer(last_interaction=add_months(NOW, -36))], PROSPECTION, NOW).due == (
        "c-1",
    )
    assert select_for_purge([customer(last_interaction=add_months(NOW, -35))], PROSPECTION, NOW).due == ()


def test_a_legal_hold_keeps_the_subject_out_and_is_counted() -> None:
    called = add_months(NOW, -7)
    held = SubjectActivity(subject="c-2", last_call=called, on_hold=True)
    free = SubjectActivity(subject="c-3", last_call=called)
    selection = select_for_purge([held, free], CALLS, NOW)
    assert (selection.due, selection.on_hold) == (("c-3",), ("c-2",))


def test_a_category_already_erased_is_not_selected_again() -> None:
    activity = customer(last_call=add_months(NOW, -7), erased=frozenset({"call_recording"}))
    assert select_for_purge([activity], CALLS, NOW).due == ()
