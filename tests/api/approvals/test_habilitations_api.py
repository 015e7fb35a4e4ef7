"""Recorded authorisations over HTTP: a director grants and revokes habilitations, substitutes
decide on behalf of the absent, and every refusal is a problem+json naming what is missing.

The app runs with its default ``Authorities`` (the recorded habilitations), unlike the other
approvals API tests, which take the right from the token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from approvals_desk import AGENT, DIRECTOR, MANAGER, OTHER_MANAGER, bearer, if_match, ready, submit
from fastapi.testclient import TestClient
from sqlalchemy import delete

from approvals.adapters.authorisation_tables import habilitations, substitutions
from approvals.adapters.authorisations import rebuild_authorisations
from approvals.service import DEFINITION
from events.service.app import create_service_app
from events.service.settings import ServiceSettings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    settings = ServiceSettings(service="approvals", data_dir=tmp_path / "approvals", log_json=False)
    definition = replace(DEFINITION, extra={"clock": clock, "deadline_worker": False})
    with TestClient(create_service_app(definition, settings)) as client:
        yield ready(client)


def grant(
    app: TestClient, person: str, level: int = 2, headers: dict[str, str] = DIRECTOR, **fields: Any
) -> Any:
    return app.post("/habilitations", json={"person": person, "level": level} | fields, headers=headers)


def decide(app: TestClient, approval: dict[str, Any], headers: dict[str, str], **fields: Any) -> Any:
    body = {"decision": "approve"} | fields
    return app.post(f"/approvals/{approval['approval_id']}/decisions", json=body, headers=headers)


def define_named_approvers(app: TestClient, approver: str) -> None:
    """Rules version 2: the level-2 step waits for ``approver`` by name."""
    current = app.get("/rules/current", headers=DIRECTOR).json()
    body = {
        "kinds": current["kinds"],
        "thresholds": current["thresholds"],
        "circuits": [
            {"level": 2, "steps": [{"step": 1, "level": 2, "approvers": [approver]}]},
            {"level": 3, "steps": [{"step": 1, "level": 2}, {"step": 2, "level": 3}]},
        ],
        "default_currency": "EUR",
        "compensation_kinds": current["compensation_kinds"],
    }
    assert app.put("/rules/current", json=body, headers=DIRECTOR | if_match(current)).status_code == 200


def test_a_manager_decides_level_2_only_with_a_habilitation_in_force_and_a_revocation_stops_it_at_once(
    app: TestClient, clock: Clock
) -> None:
    refused = decide(app, submit(app).json(), MANAGER)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["missing"] == "approvals:decide-level-2"
    assert "no habilitation" in refused.json()["detail"]

    granted = grant(app, "bob", teams=["support"], amount_ceiling={"amount": "1000", "currency": "EUR"})
    assert granted.status_code == 201
    habilitation = granted.json()
    assert (habilitation["granted_by"], habilitation["in_force"], habilitation["level"]) == ("dora", True, 2)
    assert habilitation["amount_ceiling"] == {"amount": "1000", "currency": "EUR"}
    clock.at += timedelta(minutes=1)
    decided = decide(app, submit(app, team="support").json(), MANAGER)
    assert decided.status_code == 200, decided.json()["detail"]
    assert decided.json()["status"] == "validated"
    assert decided.json()["validated_by"] == ["bob"]

    over = decide(
        app, submit(app, team="support", amounts=[{"amount": "1500", "currency": "EUR"}]).json(), MANAGER
    )
    assert over.status_code == 403 and "exceeds the ceiling of 1000" in over.json()["detail"]

    revoked = app.post(f"/habilitations/{habilitation['habilitation_id']}/revoke", json={}, headers=DIRECTOR)
    assert revoked.status_code == 200 and revoked.json()["in_force"] is False
    after = decide(app, submit(app, team="support").json(), MANAGER)
    assert after.status_code == 403 and "was revoked" in after.json()["detail"]
    listed = app.get("/habilitations", params={"person": "bob"}, headers=DIRECTOR).json()
    assert [(h["revoked_by"], h["in_force"]) for h in listed] == [("dora", False)]


def test_a_director_decides_level_3_without_a_recorded_habilitation(app: TestClient) -> None:
    grant(app, "bob")
    amendment = submit(app, kind="amendment", amounts=[]).json()
    assert decide(app, amendment, MANAGER).json()["current_step"] == 2
    done = decide(app, amendment, DIRECTOR).json()
    assert done["status"] == "validated" and done["validated_by"] == ["bob", "dora"]


def test_a_substitute_decides_on_behalf_of_the_absent_approver_until_the_substitution_ends(
    app: TestClient, clock: Clock
) -> None:
    grant(app, "bob")
    appointed = app.post(
        "/substitutions",
        json={
            "absent": "bob",
            "substitute": "carl",
            "valid_from": T0.isoformat(),
            "valid_until": (T0 + timedelta(days=2)).isoformat(),
        },
        headers=MANAGER,
    )
    assert appointed.status_code == 201 and appointed.json()["running"] is True
    waiting = submit(app).json()
    define_named_approvers(app, "bob")
    clock.at += timedelta(minutes=1)
    named = submit(app).json()
    assert named["steps"][0]["approvers"] == ["bob"]
    inbox = [item["approval_id"] for item in app.get("/inbox", headers=OTHER_MANAGER).json()["items"]]
    assert inbox == [waiting["approval_id"], named["approval_id"]]
    assert decide(app, named, OTHER_MANAGER).json()["decisions"][0]["on_behalf_of"] == "bob"

    decided = decide(app, waiting, OTHER_MANAGER).json()
    assert decided["status"] == "validated"
    [decision] = decided["decisions"]
    assert (decision["decided_by"], decision["on_behalf_of"]) == ("carl", "bob")

    clock.at = T0 + timedelta(days=2)
    late = decide(app, submit(app).json(), OTHER_MANAGER)
    assert late.status_code == 403 and late.json()["missing"] == "approvals:substitute"
    assert (
        appointed.json()["substitution_id"] in late.json()["detail"] and "has ended" in late.json()["detail"]
    )
    seen = app.get("/substitutions", params={"person": "carl"}, headers=OTHER_MANAGER).json()
    assert [(s["absent"], s["running"]) for s in seen] == [("bob", False)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person": "bob", "level": 4}, "level"),
        ({"person": "bob", "level": 1}, "level"),
        (
            {"person": "bob", "level": 2, "amount_ceiling": {"amount": "-1", "currency": "EUR"}},
            "amount_ceiling.amount",
        ),
        (
            {"person": "bob", "level": 2, "amount_ceiling": {"amount": "10", "currency": "XYZ"}},
            "amount_ceiling.currency",
        ),
        ({"person": "bob", "level": 2, "valid_until": (T0 - timedelta(days=1)).isoformat()}, "valid_until"),
        ({"person": "bob", "level": 2, "valid_until": "yesterday"}, "valid_until"),
    ],
)
def test_bad_grants_are_422_naming_the_field_and_record_nothing(
    app: TestClient, body: dict[str, Any], field: str
) -> None:
    answer = app.post("/habilitations", json=body, headers=DIRECTOR)
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in answer.json()["errors"]]
    assert app.get("/habilitations", headers=DIRECTOR).json() == []


def test_only_a_director_grants_and_never_to_themselves(app: TestClient) -> None:
    by_manager = grant(app, "carl", headers=MANAGER)
    assert by_manager.status_code == 403 and by_manager.json()["missing"] == "approvals:grant-habilitations"
    level_3_without_role = grant(app, "carl", headers=bearer("lea", "agent", level=3))
    assert level_3_without_role.status_code == 403
    own = grant(app, "dora")
    assert own.status_code == 403 and own.json()["missing"] == "approvals:self-grant"
    unknown = app.post("/habilitations/00000000-0000-4000-8000-000000000000/revoke", headers=DIRECTOR)
    assert unknown.status_code == 404


def test_an_agent_appoints_only_their_own_substitute_and_reads_only_their_own(app: TestClient) -> None:
    period = {"valid_from": T0.isoformat(), "valid_until": (T0 + timedelta(days=1)).isoformat()}
    for_other = app.post(
        "/substitutions", json={"absent": "bob", "substitute": "alice"} | period, headers=AGENT
    )
    assert for_other.status_code == 403
    own = app.post("/substitutions", json={"absent": "alice", "substitute": "zoe"} | period, headers=AGENT)
    assert own.status_code == 201
    app.post("/substitutions", json={"absent": "bob", "substitute": "carl"} | period, headers=MANAGER)
    assert [s["absent"] for s in app.get("/substitutions", headers=AGENT).json()] == ["alice"]
    assert len(app.get("/substitutions", headers=MANAGER).json()) == 2


def test_who_reads_which_habilitations(app: TestClient) -> None:
    grant(app, "bob", teams=["support"])
    grant(app, "carl", teams=["billing"])
    grant(app, "alice", level=3)
    everyone = {h["person"] for h in app.get("/habilitations", headers=DIRECTOR).json()}
    assert everyone == {"alice", "bob", "carl"}
    support_manager = bearer("max", "manager", level=2)
    assert {h["person"] for h in app.get("/habilitations", headers=support_manager).json()} == {"bob"}
    assert {h["person"] for h in app.get("/habilitations", headers=OTHER_MANAGER).json()} == {"bob", "carl"}
    assert {h["person"] for h in app.get("/habilitations", headers=AGENT).json()} == {"alice"}
    assert app.get("/habilitations", params={"person": "bob"}, headers=AGENT).json() == []


def test_habilitations_and_substitutions_are_rebuilt_from_the_log(app: TestClient, clock: Clock) -> None:
    kept = grant(app, "bob", teams=["support"], amount_ceiling={"amount": "500", "currency": "EUR"}).json()
    revoked = grant(app, "carl", level=3).json()
    app.post(f"/habilitations/{revoked['habilitation_id']}/revoke", json={"reason": "left"}, headers=DIRECTOR)
    period = {"valid_from": T0.isoformat(), "valid_until": (T0 + timedelta(days=1)).isoformat()}
    app.post("/substitutions", json={"absent": "bob", "substitute": "carl"} | period, headers=DIRECTOR)
    before = (
        app.get("/habilitations", headers=DIRECTOR).json(),
        app.get("/substitutions", headers=DIRECTOR).json(),
    )
    runtime = app.app.state.runtime  # type: ignore[attr-defined]

    async def emptied_then_rebuilt() -> int:
        async with runtime.engine.begin() as connection:
            await connection.execute(delete(habilitations))
            await connection.execute(delete(substitutions))
        return await rebuild_authorisations(runtime.store, clock.now())

    assert app.portal is not None
    assert app.portal.call(emptied_then_rebuilt) == 2
    after = (
        app.get("/habilitations", headers=DIRECTOR).json(),
        app.get("/substitutions", headers=DIRECTOR).json(),
    )
    assert after == before
    assert [h["habilitation_id"] for h in after[0]] == [kept["habilitation_id"], revoked["habilitation_id"]]
    assert decide(app, submit(app, team="support").json(), MANAGER).json()["status"] == "validated"


def test_an_agent_holding_a_habilitation_or_standing_in_decides_and_sees_the_inbox_at_that_level(
    app: TestClient, clock: Clock
) -> None:
    holder, stand_in = bearer("hugo", "agent"), bearer("ines", "agent")
    waiting = submit(app, team="support").json()
    assert app.get("/inbox", headers=holder).json()["items"] == []
    assert grant(app, "hugo", teams=["support"]).status_code == 201
    period = {"valid_from": T0.isoformat(), "valid_until": (T0 + timedelta(days=1)).isoformat()}
    app.post("/substitutions", json={"absent": "hugo", "substitute": "ines"} | period, headers=DIRECTOR)
    clock.at += timedelta(minutes=1)
    assert [i["approval_id"] for i in app.get("/inbox", headers=holder).json()["items"]] == [
        waiting["approval_id"]
    ]
    assert [i["approval_id"] for i in app.get("/inbox", headers=stand_in).json()["items"]] == [
        waiting["approval_id"]
    ]
    decided = decide(app, waiting, holder)
    assert decided.status_code == 200 and decided.json()["validated_by"] == ["hugo"]
    for_the_absent = decide(app, submit(app, team="support").json(), stand_in, on_behalf_of="hugo")
    assert for_the_absent.status_code == 200, for_the_absent.json()
    assert app.get("/inbox", headers=bearer("jade", "agent")).json()["items"] == []


def inbox_of(app: TestClient, headers: dict[str, str]) -> list[str]:
    return [item["approval_id"] for item in app.get("/inbox", headers=headers).json()["items"]]


def test_the_inbox_lists_only_what_the_habilitations_scope_lets_the_approver_decide(
    app: TestClient, clock: Clock
) -> None:
    assert (
        grant(app, "bob", teams=["support"], amount_ceiling={"amount": "1000", "currency": "EUR"}).status_code
        == 201
    )
    clock.at += timedelta(minutes=1)
    in_scope = submit(app, team="support").json()
    other_team = submit(app, team="billing").json()
    over_ceiling = submit(app, team="support", amounts=[{"amount": "1500", "currency": "EUR"}]).json()
    without_team = submit(app).json()

    assert inbox_of(app, MANAGER) == [in_scope["approval_id"]]
    assert set(inbox_of(app, DIRECTOR)) == {
        a["approval_id"] for a in (in_scope, other_team, over_ceiling, without_team)
    }
    for unseen in (other_team, over_ceiling, without_team):
        assert decide(app, unseen, MANAGER).status_code == 403
    assert decide(app, in_scope, MANAGER).status_code == 200
    assert inbox_of(app, MANAGER) == []


def test_a_habilitation_of_other_kinds_or_past_its_validity_shows_nothing(
    app: TestClient, clock: Clock
) -> None:
    until = (T0 + timedelta(days=1)).isoformat()
    assert grant(app, "bob", kinds=["tariff_derogation"]).status_code == 201
    assert grant(app, "carl", valid_until=until).status_code == 201
    clock.at += timedelta(minutes=1)
    waiting = submit(app).json()
    assert inbox_of(app, MANAGER) == []
    assert inbox_of(app, OTHER_MANAGER) == [waiting["approval_id"]]
    clock.at = T0 + timedelta(days=1)
    assert inbox_of(app, OTHER_MANAGER) == []
    assert decide(app, waiting, OTHER_MANAGER).status_code == 403


def test_a_substitute_sees_the_absent_approvers_steps_only_during_the_substitution(
    app: TestClient, clock: Clock
) -> None:
    grant(app, "bob", teams=["support"])
    period = {
        "valid_from": (T0 + timedelta(days=1)).isoformat(),
        "valid_until": (T0 + timedelta(days=2)).isoformat(),
    }
    appointed = app.post(
        "/substitutions", json={"absent": "bob", "substitute": "carl"} | period, headers=DIRECTOR
    )
    assert appointed.status_code == 201
    define_named_approvers(app, "bob")
    clock.at += timedelta(minutes=1)
    named = submit(app, team="support").json()
    elsewhere = submit(app, team="billing").json()
    assert named["steps"][0]["approvers"] == ["bob"]
    assert inbox_of(app, MANAGER) == [named["approval_id"]]

    assert inbox_of(app, OTHER_MANAGER) == []
    clock.at = T0 + timedelta(days=1, hours=1)
    assert inbox_of(app, OTHER_MANAGER) == [named["approval_id"]]
    assert elsewhere["approval_id"] not in inbox_of(app, OTHER_MANAGER)
    clock.at = T0 + timedelta(days=2)
    assert inbox_of(app, OTHER_MANAGER) == []
    assert inbox_of(app, MANAGER) == [named["approval_id"]]
    assert decide(app, named, OTHER_MANAGER).status_code == 403


def test_rows_turned_away_by_the_ceiling_do_not_shorten_the_page(app: TestClient, clock: Clock) -> None:
    grant(app, "bob", amount_ceiling={"amount": "1000", "currency": "EUR"})
    for _ in range(5):
        clock.at += timedelta(minutes=1)
        submit(app, amounts=[{"amount": "1500", "currency": "EUR"}])
    within = []
    for _ in range(3):
        clock.at += timedelta(minutes=1)
        within.append(submit(app).json()["approval_id"])
    page = app.get("/inbox", params={"limit": 2}, headers=MANAGER).json()["items"]
    assert [item["approval_id"] for item in page] == within[:2]
    assert inbox_of(app, MANAGER) == within
