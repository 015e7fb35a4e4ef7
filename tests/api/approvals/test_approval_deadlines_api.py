"""Step due times over the running service: the deadline worker's sweep, with an injected clock,
records a reminder before a step's due time and escalates it at that time; a level-2 or level-3
step is never decided by a timeout, and a decided step is no longer swept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from approvals_desk import AGENT, DIRECTOR, MANAGER, OTHER_DIRECTOR, if_match, ready, submit
from fastapi.testclient import TestClient

from approvals.adapters.authorities import TokenAuthorities
from approvals.adapters.calendars import record_calendar, record_policy
from approvals.domain.deadlines import DEFAULT_DEADLINE_RULES
from approvals.service import DEFINITION
from events.calendar import BusinessCalendar
from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.service.app import create_service_app
from events.service.settings import ServiceSettings

MONDAY_9_PARIS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CALENDAR = DEFAULT_DEADLINE_RULES.calendar


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9_PARIS)


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    settings = ServiceSettings(service="approvals", data_dir=tmp_path / "approvals", log_json=False)
    extra = {"clock": clock, "deadline_worker": False, "authorities": TokenAuthorities()}
    with TestClient(create_service_app(replace(DEFINITION, extra=extra), settings)) as client:
        yield ready(client)


def sweep(app: TestClient) -> int:
    approvals = app.app.state.runtime.state["approvals"]  # type: ignore[attr-defined]
    assert app.portal is not None
    recorded: int = app.portal.call(approvals.deadlines.sweep)
    return recorded


def events_of(app: TestClient, approval_id: str) -> list[tuple[str, dict[str, Any]]]:
    store = app.app.state.runtime.store  # type: ignore[attr-defined]
    assert app.portal is not None
    envelopes = app.portal.call(store.read_stream, UUID(approval_id))
    return [(e.type.split(".")[1], e.data) for e in envelopes]


def test_a_level_3_circuit_is_reminded_then_escalated_at_its_due_time_never_decided(
    app: TestClient, clock: Clock
) -> None:
    amendment = submit(app, kind="amendment", amounts=[]).json()
    due = CALENDAR.add_business_time(MONDAY_9_PARIS, timedelta(hours=7))
    remind = CALENDAR.add_business_time(MONDAY_9_PARIS, timedelta(hours=5))
    assert sweep(app) == 0

    clock.at = remind - timedelta(seconds=1)
    assert sweep(app) == 0
    clock.at = remind
    assert sweep(app) == 1
    assert sweep(app) == 0, "one reminder per step"
    clock.at = due
    assert sweep(app) == 1
    names = [name for name, _ in events_of(app, amendment["approval_id"])]
    assert names == ["ApprovalRequested", "ApprovalReminderDue", "ApprovalEscalated"]
    escalated = events_of(app, amendment["approval_id"])[-1][1]
    assert (escalated["step"], escalated["from_level"], escalated["to_level"]) == (1, 2, 3)
    next_due = CALENDAR.add_business_time(due, timedelta(hours=14))
    assert datetime.fromisoformat(escalated["next_due_at"]) == next_due

    read = app.get(f"/approvals/{amendment['approval_id']}", headers=AGENT).json()
    assert read["status"] == "pending" and read["current_step"] == 1 and read["steps"][0]["level"] == 3
    assert read["decisions"] == []
    assert (
        app.post(
            f"/approvals/{amendment['approval_id']}/decisions", json={"decision": "approve"}, headers=MANAGER
        ).json()["missing"]
        == "approvals:decide-level-3"
    )

    for _ in range(3):
        clock.at = next_due
        sweep(app)
        next_due = CALENDAR.add_business_time(next_due, timedelta(hours=14))
    names = [name for name, _ in events_of(app, amendment["approval_id"])]
    assert "ResponseValidated" not in names and "ApprovalStepDecided" not in names
    assert names.count("ApprovalEscalated") == 4


def test_a_decided_step_opens_the_next_with_its_own_due_time_and_a_closed_approval_is_not_swept(
    app: TestClient, clock: Clock
) -> None:
    amendment = submit(app, kind="amendment", amounts=[]).json()
    path = f"/approvals/{amendment['approval_id']}/decisions"
    sweep(app)
    clock.at = MONDAY_9_PARIS + timedelta(hours=1)
    assert app.post(path, json={"decision": "approve"}, headers=MANAGER).json()["current_step"] == 2
    clock.at = CALENDAR.add_business_time(MONDAY_9_PARIS, timedelta(hours=7))
    assert sweep(app) == 0, "step 2 opened at 10:00 is due two business days later"
    clock.at = CALENDAR.add_business_time(MONDAY_9_PARIS + timedelta(hours=1), timedelta(hours=14))
    assert sweep(app) == 1
    assert [n for n, _ in events_of(app, amendment["approval_id"])][-1] == "ApprovalEscalated"
    assert app.post(path, json={"decision": "approve"}, headers=DIRECTOR).json()["status"] == "validated"
    clock.at += timedelta(days=30)
    assert sweep(app) == 0
    assert app.post(path, json={"decision": "approve"}, headers=OTHER_DIRECTOR).status_code == 409


def test_the_reminder_of_a_named_approver_also_reaches_their_substitute(
    app: TestClient, clock: Clock
) -> None:
    current = app.get("/rules/current", headers=DIRECTOR).json()
    body = {
        "kinds": current["kinds"],
        "thresholds": current["thresholds"],
        "circuits": [
            {"level": 2, "steps": [{"step": 1, "level": 2, "approvers": ["bob"]}]},
            {"level": 3, "steps": [{"step": 1, "level": 2}, {"step": 2, "level": 3}]},
        ],
        "default_currency": "EUR",
        "compensation_kinds": current["compensation_kinds"],
    }
    assert app.put("/rules/current", json=body, headers=DIRECTOR | if_match(current)).status_code == 200
    period = {
        "valid_from": MONDAY_9_PARIS.isoformat(),
        "valid_until": (MONDAY_9_PARIS + timedelta(days=5)).isoformat(),
    }
    appointed = app.post(
        "/substitutions", json={"absent": "bob", "substitute": "carl"} | period, headers=DIRECTOR
    )
    assert appointed.status_code == 201
    gesture = submit(app).json()
    sweep(app)
    clock.at = CALENDAR.add_business_time(MONDAY_9_PARIS, timedelta(hours=5))
    assert sweep(app) == 1
    name, reminder = events_of(app, gesture["approval_id"])[-1]
    assert (name, reminder["approvers"]) == ("ApprovalReminderDue", ["bob", "carl"])


def test_due_times_count_on_the_calendar_of_the_sla_policy_in_force(app: TestClient, clock: Clock) -> None:
    runtime = app.app.state.runtime  # type: ignore[attr-defined]
    always = BusinessCalendar.always_open()
    defined = CalendarDefined(
        name=always.name, calendar=always.to_spec(), defined_by="dora", at=MONDAY_9_PARIS
    )
    policy = SlaPolicyDefined(
        version=2, policy={}, calendar=always.name, defined_by="dora", reason="", at=MONDAY_9_PARIS
    )

    async def received() -> None:
        async with runtime.engine.begin() as connection:
            await record_calendar(connection, defined)
            await record_policy(connection, policy)

    assert app.portal is not None
    app.portal.call(received)
    gesture = submit(app).json()
    sweep(app)
    clock.at = MONDAY_9_PARIS + timedelta(
        hours=7
    )  # 16:00 in Paris: under the French calendar, not due before Tuesday
    assert sweep(app) == 1
    assert [name for name, _ in events_of(app, gesture["approval_id"])][-1] == "ApprovalEscalated"
