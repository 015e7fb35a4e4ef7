"""Issue 11 over HTTP: a customer deadline already passed can be recorded; a relance recorded as
an interaction says so; a priority change carries the criterion's new value and follows the
matrix (or is a manager's documented exception); a transfer beyond the first names an
exception from a fixed list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.service.auth import issue_token

QUALIFICATION = {
    "category": "billing",
    "profile": "b2c",
    "impact": "medium",
    "urgency": "low",
    "workaround": "available",
}


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def refused(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/" + kind), body
    return body


def qualified(desk, **fields) -> dict:
    request = ok(desk.command(desk.new_request(), "acknowledge"))
    return ok(desk.command(request, "qualification", QUALIFICATION | fields))


def last_event(desk, request: dict) -> dict:
    return desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"][-1]


def as_agent(desk, request: dict, level: int = 1) -> None:
    """An agent (no manager's role) of the request's team, at `level`."""
    token = issue_token("alice", roles=("agent",), team=request["team"], level=level)
    desk.auth = {"Authorization": f"Bearer {token}"}


def test_a_customer_deadline_already_passed_is_recorded(desk, clock):
    received = clock.now() - timedelta(days=10)
    request = ok(desk.command(desk.new_request(received_at=received.isoformat()), "acknowledge"))
    last_week = (clock.now() - timedelta(days=7)).isoformat()
    waiting = ok(
        desk.command(request, "awaiting-customer", {"expected": "RIB", "customer_due_at": last_week})
    )
    assert waiting["status"] == "awaiting_customer"
    event = last_event(desk, waiting)
    assert (event["type"], event["data"]["customer_due_at"]) == (
        "intake.AwaitingCustomer",
        last_week.replace("+00:00", "Z"),
    )


def test_a_customer_deadline_before_the_reception_is_refused(desk, clock):
    received = clock.now() - timedelta(days=2)
    request = ok(desk.command(desk.new_request(received_at=received.isoformat()), "acknowledge"))
    before = (received - timedelta(minutes=1)).isoformat()
    body = refused(
        desk.command(request, "awaiting-customer", {"expected": "RIB", "customer_due_at": before}),
        422,
        "customer-deadline-refused",
    )
    assert body["errors"][0]["field"] == "customer_due_at"


def test_a_relance_recorded_as_an_interaction_says_so_and_is_outbound(desk):
    request = ok(desk.command(qualified(desk), "awaiting-customer", {"expected": "RIB"}))
    relance = {
        "channel": "email",
        "direction": "outbound",
        "subject": "Suivi de votre demande",
        "summary": "Nous attendons votre RIB",
        "kind": "relance",
    }
    recorded = ok(desk.command(request, "interactions", relance))
    assert last_event(desk, recorded)["data"]["kind"] == "relance"
    inbound = desk.command(recorded, "interactions", relance | {"direction": "inbound"})
    assert inbound.status_code == 422, inbound.text
    follow_up_by_subject = relance | {"subject": "Suivi de votre demande n°DEM-2026-000001"}
    follow_up_by_subject.pop("kind")
    plain = ok(desk.command(recorded, "interactions", follow_up_by_subject))
    assert last_event(desk, plain)["data"]["kind"] is None


@pytest.mark.parametrize(
    "reason",
    [
        "the customer called five times and is very angry",
        "client très mécontent, il rappelle tous les jours",
        "VIP customer asked for it",
    ],
)
def test_an_urgency_raised_by_words_alone_does_not_raise_p3_to_p1(desk, reason):
    request = qualified(desk)
    without_value = refused(
        desk.command(request, "priority", {"priority": "p1", "criterion": "urgency", "reason": reason}),
        422,
        "priority-change-refused",
    )
    assert (without_value["rule"], without_value["errors"][0]["field"]) == ("missing_value", "new_value")
    with_value = {"priority": "p1", "criterion": "urgency", "new_value": "high", "reason": reason}
    body = refused(desk.command(request, "priority", with_value), 422, "priority-change-refused")
    assert body["rule"] == "not_from_matrix" and "P3" in body["detail"]
    assert desk.get(f"/requests/{request['request_id']}").json()["priority"] == "p3"


def test_a_priority_change_records_the_criterions_old_and_new_values(desk):
    request = qualified(desk, impact="high", workaround="partial")
    assert request["priority"] == "p3"
    change = {"priority": "p2", "criterion": "urgency", "new_value": "medium", "reason": "paie bloquée jeudi"}
    changed = ok(desk.command(request, "priority", change))
    assert changed["priority"] == "p2"
    data = last_event(desk, changed)["data"]
    assert {k: data[k] for k in ("old", "new", "criterion", "old_value", "new_value", "exception")} == {
        "old": "p3",
        "new": "p2",
        "criterion": "urgency",
        "old_value": "low",
        "new_value": "medium",
        "exception": False,
    }


def test_a_dated_deadline_sets_the_urgency_the_matrix_reads(desk, clock):
    request = qualified(desk, impact="critical", workaround="none")
    assert request["priority"] == "p2"
    tomorrow_morning = (clock.now() + timedelta(hours=20)).isoformat()
    change = {
        "priority": "p1",
        "criterion": "deadline",
        "deadline_at": tomorrow_morning,
        "reason": "audience au tribunal demain",
    }
    changed = ok(desk.command(request, "priority", change))
    data = last_event(desk, changed)["data"]
    assert (changed["priority"], data["new_value"], data["exception"]) == (
        "p1",
        tomorrow_morning,
        False,
    )


def test_a_priority_outside_the_matrix_is_a_managers_documented_exception(desk):
    request = qualified(desk)
    change = {
        "priority": "p2",
        "criterion": "security_risk",
        "reason": "mots de passe exposés",
        "exception": True,
    }
    as_agent(desk, request)
    denied = desk.command(request, "priority", change)
    assert denied.status_code == 403 and denied.json()["missing"] == "intake:override-priority"
    without_flag = {k: v for k, v in change.items() if k != "exception"}
    assert refused(desk.command(request, "priority", without_flag), 422, "priority-change-refused")[
        "rule"
    ] == ("not_from_matrix")
    as_agent(desk, request, level=2)
    changed = ok(desk.command(request, "priority", change))
    data = last_event(desk, changed)
    assert (changed["priority"], data["data"]["exception"], data["actor"]) == ("p2", True, "alice")


def test_a_second_transfer_needs_a_named_exception_from_the_list(desk):
    request = ok(
        desk.command(qualified(desk), "transfer", {"to_team": "technical_support", "reason": "panne"})
    )
    again = {"to_team": "sales", "reason": "devis"}
    refused(desk.command(request, "transfer", again | {"exception": "x"}), 409, "transfer-limit-reached")
    unknown = desk.command(request, "transfer", again | {"exception_kind": "x", "exception": "x"})
    assert unknown.status_code == 422, unknown.text
    named = again | {"exception_kind": "specialist_requested", "exception": "seul le commercial peut signer"}
    as_agent(desk, request)
    denied = desk.command(request, "transfer", named)
    assert denied.status_code == 403 and denied.json()["missing"] == "intake:transfer-again"
    as_agent(desk, request, level=2)
    moved = ok(desk.command(request, "transfer", named))
    desk.auth = {"Authorization": f"Bearer {issue_token('bob', roles=('manager',), team='sales')}"}
    data = last_event(desk, moved)["data"]
    assert (moved["transfers"], data["exception_kind"], data["exception"]) == (
        2,
        "specialist_requested",
        "seul le commercial peut signer",
    )
