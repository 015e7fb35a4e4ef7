"""Need-to-know in intake: who reads which requests and customers (single reads, lists,
searches, queue, timelines, histories), and the rights a command needs beyond its route's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from personas import bearer

ALICE = bearer("alice", "agent", teams=("support",))
EVE = bearer("eve", "agent", teams=("marketing",))
MARTIN = bearer("martin", "manager", teams=("marketing",))
QUALITY = bearer("quinn", "quality", teams=())
AUDITOR = bearer("aude", "auditor", teams=())
DPO = bearer("dora", "dpo", teams=())


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def command(
    client: TestClient, who: dict[str, str], request: dict[str, Any], action: str, body: Any = None
) -> Any:
    return client.post(
        f"/requests/{request['request_id']}/{action}",
        json=body,
        headers=who | {"If-Match": f'"{request["version"]}"'},
    )


def customer(client: TestClient, email: str, last_name: str) -> dict[str, Any]:
    body = {"profile": "b2c", "first_name": "Jeanne", "last_name": last_name, "email": email}
    return ok(client.post("/customers", json=body, headers=ALICE), 201)


def receive(client: TestClient, customer_id: str | None = None) -> dict[str, Any]:
    body = {
        "channel": "email",
        "received_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "contact": "contact@exemple.fr",
        "subject": "Facture erronée",
        "description": "Montant facturé deux fois",
        "category": "billing",
        "customer_id": customer_id,
    }
    return ok(client.post("/requests", json=body, headers=ALICE), 201)


@pytest.fixture(scope="module")
def world(intake: TestClient) -> dict[str, Any]:
    """A support request linked to a customer, and a customer no request links to."""
    linked = customer(intake, "jeanne.linked@exemple.fr", "Lié")
    unlinked = customer(intake, "paul.unlinked@exemple.fr", "Seul")
    request = receive(intake, linked["customer_id"])
    request = ok(command(intake, ALICE, request, "assignment", {"team": "support", "agent": "alice"}))
    return {"request": request, "linked": linked, "unlinked": unlinked}


def ids(page: dict[str, Any], key: str) -> set[str]:
    return {item[key] for item in page["items"]}


def test_an_agent_of_another_team_cannot_read_the_request_nor_learn_it_exists(intake, world) -> None:
    request_id = world["request"]["request_id"]
    for path in (f"/requests/{request_id}", f"/requests/{request_id}/timeline"):
        assert ok(intake.get(path, headers=ALICE))
        refused = intake.get(path, headers=EVE)
        assert refused.status_code == 404 and refused.json()["type"].endswith("/not-found")
        assert intake.get(path, headers=MARTIN).status_code == 404  # a manager of another team neither
    assert request_id in ids(ok(intake.get("/requests", params={"limit": 200}, headers=ALICE)), "request_id")
    assert request_id not in ids(
        ok(intake.get("/requests", params={"limit": 200}, headers=EVE)), "request_id"
    )
    assert ok(intake.get("/requests", params={"team": "support"}, headers=EVE))["items"] == []
    assert request_id in {r["request_id"] for r in ok(intake.get("/queue", headers=ALICE))["items"]}
    assert request_id not in {r["request_id"] for r in ok(intake.get("/queue", headers=EVE))["items"]}


def test_an_agent_of_another_team_cannot_act_on_the_request(intake, world) -> None:
    assert command(intake, EVE, world["request"], "acknowledge").status_code == 404
    assert (
        command(
            intake, EVE, world["request"], "transfer", {"to_team": "marketing", "reason": "x"}
        ).status_code
        == 404
    )


def test_an_unassigned_request_is_in_every_agents_inbox(intake) -> None:
    request = receive(intake)
    assert ok(intake.get(f"/requests/{request['request_id']}", headers=EVE))["team"] is None


@pytest.mark.parametrize("who", [QUALITY, AUDITOR, DPO], ids=["quality", "auditor", "dpo"])
def test_quality_auditors_and_the_dpo_read_across_teams(intake, world, who) -> None:
    request_id = world["request"]["request_id"]
    assert ok(intake.get(f"/requests/{request_id}", headers=who))["request_id"] == request_id
    assert request_id in ids(ok(intake.get("/requests", params={"limit": 200}, headers=who)), "request_id")
    linked = world["linked"]["customer_id"]
    assert ok(intake.get(f"/customers/{linked}", headers=who))["customer_id"] == linked
    assert ok(intake.get(f"/customers/{linked}/history", headers=who))["customer_id"] == linked


def test_customers_are_read_through_the_requests_linked_to_them(intake, world) -> None:
    linked = world["linked"]["customer_id"]
    for path in (f"/customers/{linked}", f"/customers/{linked}/history"):
        assert intake.get(path, headers=ALICE).status_code == 200
        assert intake.get(path, headers=EVE).status_code == 404
    assert linked in ids(ok(intake.get("/customers", params={"limit": 200}, headers=ALICE)), "customer_id")
    everyone_eve_sees = ids(ok(intake.get("/customers", params={"limit": 200}, headers=EVE)), "customer_id")
    assert linked not in everyone_eve_sees
    by_email = {"email": "jeanne.linked@exemple.fr"}
    assert ok(intake.get("/customers", params=by_email, headers=EVE))["items"] == []
    patch = intake.patch(f"/customers/{linked}", json={"company": "X"}, headers=EVE | {"If-Match": '"1"'})
    assert patch.status_code == 404


def test_only_the_dpo_reads_a_customer_no_request_links_to(intake, world) -> None:
    unlinked = world["unlinked"]["customer_id"]
    assert ok(intake.get(f"/customers/{unlinked}", headers=DPO))["customer_id"] == unlinked
    for who in (ALICE, EVE, QUALITY, AUDITOR):
        assert intake.get(f"/customers/{unlinked}", headers=who).status_code == 404
    assert unlinked in ids(ok(intake.get("/customers", params={"limit": 200}, headers=DPO)), "customer_id")
    assert unlinked not in ids(
        ok(intake.get("/customers", params={"limit": 200}, headers=QUALITY)), "customer_id"
    )


def test_suspected_duplicates_outside_reach_show_no_personal_data(intake, world) -> None:
    body = {"profile": "b2c", "first_name": "Jeanne", "last_name": "Lié", "email": "jeanne.linked@exemple.fr"}
    problem = intake.post("/customers", json=body, headers=EVE).json()
    assert problem["status"] == 409
    candidate = {c["customer_id"]: c for c in problem["candidates"]}[world["linked"]["customer_id"]]
    assert candidate["customer"] is None and candidate["score"] > 0
    seen_by_alice = intake.post("/customers", json=body, headers=ALICE).json()["candidates"]
    assert {c["customer_id"]: c for c in seen_by_alice}[world["linked"]["customer_id"]]["customer"]["email"]


def test_a_second_transfer_needs_a_manager(intake) -> None:
    request = receive(intake)
    request = ok(command(intake, ALICE, request, "assignment", {"team": "support"}))
    request = ok(
        command(intake, ALICE, request, "transfer", {"to_team": "billing", "reason": "billing question"})
    )
    manager = bearer("maria", "manager", teams=("billing",))
    again = {
        "to_team": "support",
        "reason": "back",
        "exception_kind": "wrong_routing",
        "exception": "the customer's contract is handled there",
    }
    alice_in_billing = bearer("alice", "agent", teams=("billing",))
    refused = command(intake, alice_in_billing, request, "transfer", again)
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing"] == "intake:transfer-again"
    assert refused.json()["needs"] == {"roles": ["director", "manager"], "level": 2}
    assert ok(command(intake, manager, request, "transfer", again))["transfers"] == 2


def test_setting_p1_needs_a_manager(intake) -> None:
    request = receive(intake)
    qualification = {
        "category": "billing",
        "profile": "b2c",
        "impact": "medium",
        "urgency": "low",
        "workaround": "available",
    }
    request = ok(command(intake, ALICE, request, "qualification", qualification))
    body = {
        "priority": "p1",
        "criterion": "impact",
        "new_value": "critical",
        "reason": "the whole site is down",
        "exception": True,
    }
    teams = (request["team"],) if request["team"] else ()
    refused = command(intake, bearer("alice", "agent", teams=teams), request, "priority", body)
    assert refused.status_code == 403 and refused.json()["missing"] == "intake:validate-p1"
    senior = bearer("alice", "agent", level=2, teams=teams)
    assert ok(command(intake, senior, request, "priority", body))["priority"] == "p1"


def test_the_audit_trail_names_the_token_subject(intake, world) -> None:
    entries = ok(intake.get(f"/requests/{world['request']['request_id']}/timeline", headers=ALICE))["entries"]
    assert {entry["actor"] for entry in entries} == {"alice"}
