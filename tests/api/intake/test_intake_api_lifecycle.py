"""The life of a request over HTTP: qualification, priority, routing, lifecycle, follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest

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


def problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/" + kind), body
    return body


def qualified(desk, **fields) -> dict:
    request = ok(desk.command(desk.new_request(), "acknowledge"))
    return ok(desk.command(request, "qualification", QUALIFICATION | fields))


def test_qualification_computes_the_priority_and_routes_to_a_team(desk):
    request = qualified(desk)
    assert (request["priority"], request["team"], request["profile"]) == ("p3", "billing", "b2c")


def test_the_profile_defaults_to_the_customers(desk):
    customer = desk.new_customer(profile="b2b", company="Acme", first_name=None)
    request = ok(desk.command(desk.new_request(customer_id=customer["customer_id"]), "acknowledge"))
    fields = {k: v for k, v in QUALIFICATION.items() if k != "profile"}
    assert ok(desk.command(request, "qualification", fields))["profile"] == "b2b"
    anonymous = desk.new_request()
    problem(desk.command(anonymous, "qualification", fields), 422, "validation-error")


def test_a_priority_change_without_criterion_is_refused(desk):
    request = qualified(desk)
    body = problem(
        desk.command(request, "priority", {"priority": "p2", "reason": "client important"}),
        422,
        "priority-change-refused",
    )
    assert body["rule"] == "missing_criterion" and body["errors"][0]["field"] == "criterion"


@pytest.mark.parametrize(
    "change",
    [
        {"priority": "p1", "criterion": "customer_insists", "reason": "il appelle sans cesse"},
        {"priority": "p1", "criterion": "urgency", "reason": "le client insiste beaucoup"},
    ],
)
def test_the_customers_insistence_is_never_a_reason_to_raise_priority(desk, change):
    request = qualified(desk)
    response = desk.command(request, "priority", change)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "insist" in response.text
    assert desk.get(f"/requests/{request['request_id']}").json()["priority"] == "p3"


def test_a_priority_change_names_old_new_criterion_and_reason(desk):
    request = qualified(desk)
    changed = ok(
        desk.command(
            request,
            "priority",
            {
                "priority": "p2",
                "criterion": "deadline",
                "reason": "audience au tribunal vendredi",
                "deadline_at": "2026-03-06T09:00:00Z",
                "exception": True,
            },
        )
    )
    assert changed["priority"] == "p2"
    entries = desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"]
    assert entries[-1]["type"] == "intake.PriorityChanged"
    assert {k: entries[-1]["data"][k] for k in ("old", "new", "criterion", "reason")} == {
        "old": "p3",
        "new": "p2",
        "criterion": "deadline",
        "reason": "audience au tribunal vendredi",
    }


def test_a_requalification_that_changes_priority_records_the_criterion_that_changed(desk):
    request = qualified(desk)
    refused = desk.command(
        request, "qualification", QUALIFICATION | {"impact": "critical", "workaround": "none"}
    )
    problem(refused, 422, "priority-change-refused")
    changed = ok(
        desk.command(
            request,
            "qualification",
            QUALIFICATION | {"impact": "critical", "workaround": "none", "reason": "tout le site est coupé"},
        )
    )
    assert changed["priority"] == "p2"
    last = desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"][-1]
    assert (last["type"], last["data"]["criterion"]) == ("intake.PriorityChanged", "impact")


def test_a_second_transfer_is_refused_unless_a_documented_exception_is_given(desk):
    request = qualified(desk)
    request = ok(desk.command(request, "transfer", {"to_team": "technical_support", "reason": "panne"}))
    body = problem(
        desk.command(request, "transfer", {"to_team": "sales", "reason": "devis"}),
        409,
        "transfer-limit-reached",
    )
    assert body["previous_transfers"] == 1
    again = ok(
        desk.command(
            request,
            "transfer",
            {
                "to_team": "sales",
                "reason": "devis",
                "exception_kind": "specialist_requested",
                "exception": "seul le commercial peut signer",
            },
        )
    )
    assert (again["team"], again["transfers"]) == ("sales", 2)


def test_assigning_to_another_team_is_a_transfer_not_an_assignment(desk):
    request = qualified(desk)
    assigned = ok(desk.command(request, "assignment", {"team": "billing", "agent": "bob"}))
    assert assigned["agent"] == "bob"
    problem(desk.command(assigned, "assignment", {"team": "sales"}), 409, "assignment-refused")


def test_illegal_transitions_are_409_problem_json(desk):
    request = desk.new_request()
    body = problem(desk.command(request, "resolution", {"resolution": "fait"}), 409, "illegal-transition")
    assert body["current_status"] == "received" and body["action"] == "resolve"


def test_closing_needs_the_customers_confirmation_or_the_no_answer_timeout(desk, clock):
    request = ok(desk.command(qualified(desk), "resolution", {"resolution": "avoir émis"}))
    problem(desk.command(request, "closure", {"customer_confirmed": False}), 409, "close-refused")
    clock.advance(days=10, minutes=1)
    closed = ok(desk.command(request, "closure", {"customer_confirmed": False}))
    assert closed["status"] == "closed"
    last = desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"][-1]
    assert last["data"]["reason"] == "no_answer_timeout"


def test_the_full_life_of_a_request(desk, clock):
    request = qualified(desk)
    request = ok(desk.command(request, "start"))
    request = ok(desk.command(request, "awaiting-customer", {"expected": "copie de la facture"}))
    assert request["status"] == "awaiting_customer"
    request = ok(desk.command(request, "customer-reply"))
    request = ok(desk.command(request, "start"))
    request = ok(
        desk.command(
            request,
            "interactions",
            {
                "channel": "phone",
                "direction": "outbound",
                "subject": "Point d'étape",
                "summary": "Diagnostic en cours",
                "next_step": "rappel demain",
                "informs_customer": True,
            },
        )
    )
    due = (clock.now() + timedelta(days=1)).isoformat()
    request = ok(desk.command(request, "commitments", {"deliverable": "diagnostic", "due_at": due}))
    commitment = request["commitments"][0]
    request = ok(desk.command(request, f"commitments/{commitment['commitment_id']}/fulfilment"))
    assert request["commitments"][0]["fulfilled_at"] is not None
    request = ok(desk.command(request, "resolution", {"resolution": "avoir de 42 €"}))
    request = ok(desk.command(request, "closure", {"customer_confirmed": True}))
    request = ok(desk.command(request, "satisfaction", {"csat": 4, "nps": 9}))
    assert (request["status"], request["csat"], request["nps"], request["interactions"]) == (
        "closed",
        4,
        9,
        1,
    )
    request = ok(desk.command(request, "reopening", {"reason": "le problème est revenu"}))
    assert request["status"] == "in_progress" and request["closed_at"] is None
    types = [
        e["type"].split(".")[1]
        for e in desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"]
    ]
    assert types == [
        "RequestReceived",
        "RequestAcknowledged",
        "RequestQualified",
        "RequestAssigned",
        "WorkStarted",
        "AwaitingCustomer",
        "CustomerReplied",
        "WorkStarted",
        "InteractionRecorded",
        "CommitmentMade",
        "CommitmentFulfilled",
        "RequestResolved",
        "RequestClosed",
        "SatisfactionRecorded",
        "RequestReopened",
    ]


def test_satisfaction_is_recorded_once_after_resolution_within_its_scales(desk):
    request = qualified(desk)
    problem(desk.command(request, "satisfaction", {"csat": 5}), 409, "satisfaction-refused")
    request = ok(desk.command(request, "resolution", {"resolution": "ok"}))
    assert desk.command(request, "satisfaction", {"csat": 6}).status_code == 422
    assert desk.command(request, "satisfaction", {"nps": 11}).status_code == 422
    problem(desk.command(request, "satisfaction", {}), 409, "satisfaction-refused")
    request = ok(desk.command(request, "satisfaction", {"csat": 5}))
    problem(desk.command(request, "satisfaction", {"nps": 3}), 409, "satisfaction-refused")


def test_a_commitment_deadline_in_the_past_is_422_naming_due_at(desk, clock):
    request = qualified(desk)
    past = (clock.now() - timedelta(hours=1)).isoformat()
    response = desk.command(request, "commitments", {"deliverable": "devis", "due_at": past})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "due_at"


def test_escalation_needs_an_objective_criterion_and_is_taken_once(desk):
    request = qualified(desk)
    problem(
        desk.command(
            request, "escalation", {"to": "manager", "criterion": "urgency", "reason": "le client insiste"}
        ),
        409,
        "escalation-refused",
    )
    request = ok(
        desk.command(
            request, "escalation", {"to": "manager", "criterion": "impact", "reason": "100 postes touchés"}
        )
    )
    request = ok(desk.command(request, "escalation/taking"))
    assert (request["escalated_to"], request["escalation_taken_by"]) == ("manager", "alice")
    problem(desk.command(request, "escalation/taking"), 409, "escalation-refused")


def test_a_resolved_request_cannot_be_requalified(desk):
    request = ok(desk.command(qualified(desk), "resolution", {"resolution": "ok"}))
    problem(desk.command(request, "qualification", QUALIFICATION), 409, "request-not-open")
