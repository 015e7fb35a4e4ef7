"""Approvals on real PostgreSQL + Kafka: a level-3 two-step circuit whose second step times out
and escalates, decided under recorded habilitations, every event on the `guichet.approvals` topic.

The clock is injected (the business calendar counts from Monday 09:00 in Paris); two sweeps run
at once at the due time and record one escalation between them (rows claimed with
``FOR UPDATE SKIP LOCKED``). The time from the director's deciding call to ``ResponseValidated``
on Kafka is measured and printed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from fastapi.testclient import TestClient

from approvals.adapters.deadline_worker import DeadlineSweeper
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.domain.deadlines import DEFAULT_DEADLINE_RULES
from approvals.service import DEFINITION
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from events.testing.servers import make_database

SECRET = "approvals-integration-secret-0123456789abcdef"
TOPIC = "guichet.approvals"
MONDAY_9_PARIS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CALENDAR = DEFAULT_DEADLINE_RULES.calendar


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def auth(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    token = issue_token(subject, roles=roles, teams=("support",), level=level, secret=SECRET)
    return {"Authorization": f"Bearer {token}"}


AGENT = auth("alice", "agent")
MANAGER = auth("bob", "manager", level=2)
DIRECTOR = auth("dora", "director", level=3)


def wait_ready(client: TestClient, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while (response := client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.1)


async def records_until(
    bootstrap: str, key: str, last_type: str, timeout: float = 60.0
) -> list[tuple[ConsumerRecord[bytes, bytes], float]]:
    """The topic's records of ``key`` up to the first of ``last_type``, each with the instant
    (``time.time()``) this consumer received it."""
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[tuple[ConsumerRecord[bytes, bytes], float]] = []
    try:
        async with asyncio.timeout(timeout):
            while not any(ce_type(r) == last_type for r, _ in found):
                for messages in (await consumer.getmany(timeout_ms=50)).values():
                    now = time.time()
                    found.extend((m, now) for m in messages if m.key == key.encode())
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return found


def ce_type(record: ConsumerRecord[bytes, bytes]) -> str:
    return dict(record.headers)["ce_type"].decode()


async def test_a_level_3_two_step_circuit_escalates_at_its_due_time_on_postgres_and_kafka(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    url = await make_database(postgres_url, f"approvals_{uuid4().hex[:12]}")
    settings = ServiceSettings(
        service="approvals",
        data_dir=tmp_path,
        database_url=url,
        kafka_bootstrap=kafka_bootstrap,
        jwt_secret=SECRET,
        log_json=False,
    )
    clock = Clock(MONDAY_9_PARIS)
    definition = replace(DEFINITION, extra={"clock": clock, "deadline_worker": False})
    with TestClient(create_service_app(definition, settings)) as client:
        wait_ready(client)
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        granted = client.post("/habilitations", json={"person": "bob", "level": 2}, headers=DIRECTOR)
        assert granted.status_code == 201, granted.text
        service = runtime.state["approvals"]

        content = hashlib.sha256(b"Avenant n 2 au contrat de maintenance").hexdigest()
        submitted = client.post(
            "/approvals",
            json={"request_id": str(uuid4()), "content_hash": content, "kind": "amendment", "amounts": []},
            headers=AGENT,
        )
        assert submitted.status_code == 201, submitted.text
        approval = submitted.json()
        assert approval["level"] == 3 and [s["level"] for s in approval["steps"]] == [2, 3]
        path = f"/approvals/{approval['approval_id']}/decisions"

        clock.at = MONDAY_9_PARIS + timedelta(hours=1)
        first = client.post(path, json={"decision": "approve"}, headers=MANAGER)
        assert first.status_code == 200, first.text
        assert first.json()["current_step"] == 2

        second_due = CALENDAR.add_business_time(clock.at, timedelta(hours=14))
        assert client.portal is not None
        assert client.portal.call(service.deadlines.sweep) == 0  # schedules step 2
        clock.at = second_due
        other = DeadlineSweeper(
            lambda: SqlUnitOfWork(runtime.store, clock, runtime.committed), DEFAULT_DEADLINE_RULES, clock
        )

        async def both() -> list[int]:
            return list(await asyncio.gather(service.deadlines.sweep(), other.sweep()))

        assert sorted(client.portal.call(both)) == [0, 1]
        read = client.get(f"/approvals/{approval['approval_id']}", headers=AGENT).json()
        assert read["status"] == "pending" and read["current_step"] == 2
        assert read["steps"][1]["due_at"] is not None

        clock.at = second_due + timedelta(minutes=5)
        decided_at = time.time()
        done = client.post(path, json={"decision": "approve"}, headers=DIRECTOR)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "validated"

        records = await records_until(kafka_bootstrap, approval["approval_id"], "approvals.ResponseValidated")
    types = [ce_type(r) for r, _ in records]
    assert types == [
        "approvals.ApprovalRequested",
        "approvals.ApprovalStepDecided",
        "approvals.ApprovalEscalated",
        "approvals.ApprovalStepDecided",
        "approvals.ResponseValidated",
    ]
    escalated = orjson.loads(records[2][0].value)
    payload = escalated.get("data", escalated)
    assert (payload["step"], payload["from_level"], payload["to_level"]) == (2, 3, 3)
    validated_received = records[-1][1]
    latency_ms = (validated_received - decided_at) * 1000
    print(f"\nfrom the deciding call to ResponseValidated on Kafka: {latency_ms:.0f} ms")
    assert validated_received - decided_at < 5.0
