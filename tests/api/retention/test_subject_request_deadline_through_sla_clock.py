"""A data-subject request's one-month deadline through both services' consumers (embedded
default: SQLite, in-process): retention records the request, the SLA clock consumes its events
and fires the warning a week before the due date and the breach at it, and retention, consuming
those, shows them on the request (docs/domain.md §16.3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from retention_desk import DPO, MovableClock, ready, runtime_of, start

from events.envelope import Envelope
from retention.entrypoints.consumer import build_consumer
from sla_clock.domain.streams import request_stream
from tests.api.sla_clock.sla_harness import FakeClock, Harness

TODAY = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 29, 9, 0, tzinfo=UTC)


class Both:
    """Retention and the SLA clock on one clock, each event handed to the other's consumer."""

    def __init__(self, retention: TestClient, sla: Harness, clock: MovableClock) -> None:
        self.retention, self.sla, self.clock = retention, sla, clock
        self.published = 0

    def at(self, instant: datetime) -> None:
        self.clock.at = self.sla.clock.now = instant

    def retention_to_sla_clock(self) -> None:
        assert self.retention.portal is not None
        envelopes: list[Envelope] = self.retention.portal.call(
            runtime_of(self.retention).store.read_all, self.published, 10_000
        )
        if envelopes:
            assert self.sla.runtime.consumer is not None
            self.sla.call(self.sla.runtime.consumer.process_many, envelopes)
            self.published = envelopes[-1].position or self.published

    def sla_clock_to_retention(self, request_id: UUID) -> list[str]:
        """Fire what is due, hand the request's SLA events to retention; their kinds."""
        self.sla.fire()
        envelopes: list[Envelope] = self.sla.call(
            self.sla.runtime.store.read_stream, request_stream(request_id)
        )
        consumer = build_consumer(runtime_of(self.retention))
        assert self.retention.portal is not None
        self.retention.portal.call(consumer.process_many, envelopes)
        return [f"{e.type.rsplit('.', 1)[1]}:{e.data['kind']}" for e in envelopes]

    def request(self, request_id: UUID) -> Any:
        response = self.retention.get(f"/subject-requests/{request_id}", headers=DPO)
        assert response.status_code == 200, response.text
        return response.json()

    def receive(self, kind: str = "access") -> UUID:
        body = {"kind": kind, "identity": {"name": "Jeanne Martin"}, "customer_id": None}
        response = self.retention.post("/subject-requests", json=body, headers=DPO)
        assert response.status_code == 201, response.text
        self.retention_to_sla_clock()
        return UUID(response.json()["request_id"])


@pytest.fixture
def both(tmp_path: Path) -> Iterator[Both]:
    clock = MovableClock(TODAY)
    # One service at a time: the migrations' lock must never be awaited from two event loops.
    with Harness(tmp_path, FakeClock(TODAY)) as sla, start(tmp_path / "retention", clock) as retention:
        yield Both(ready(retention), sla, clock)


def test_a_request_received_today_is_due_in_one_month_warned_a_week_before_then_breached(
    both: Both,
) -> None:
    rid = both.receive()
    assert datetime.fromisoformat(both.request(rid)["due_at"]) == DUE

    both.at(DUE - timedelta(days=7, seconds=1))
    assert both.sla_clock_to_retention(rid) == []
    assert both.request(rid)["warned"] is False

    both.at(DUE - timedelta(days=7))
    assert both.sla_clock_to_retention(rid) == ["SlaWarning:data_subject_request"]
    shown = both.request(rid)
    assert (shown["warned"], shown["overdue"]) == (True, False)

    both.at(DUE)
    assert both.sla_clock_to_retention(rid) == [
        "SlaWarning:data_subject_request",
        "SlaBreached:data_subject_request",
    ]
    shown = both.request(rid)
    assert (shown["warned"], shown["overdue"], shown["status"]) == (True, True, "open")
    both.at(DUE + timedelta(days=40))
    assert len(both.sla_clock_to_retention(rid)) == 2, "each mark once"


def test_an_extension_told_in_time_moves_the_warning_and_breach(both: Both) -> None:
    rid = both.receive("portability")
    both.at(DUE - timedelta(days=3))  # past the first warning: it fired
    assert both.sla_clock_to_retention(rid) == ["SlaWarning:data_subject_request"]
    extended = both.retention.post(
        f"/subject-requests/{rid}/extend",
        json={"months": 2, "reasons": "numerous requests", "person_told_at": both.clock.at.isoformat()},
        headers=DPO,
    )
    assert extended.status_code == 200, extended.text
    both.retention_to_sla_clock()
    new_due = datetime(2027, 2, 28, 9, 0, tzinfo=UTC)  # received 29 November + 3 months
    shown = both.request(rid)
    assert datetime.fromisoformat(shown["due_at"]) == new_due
    assert shown["warned"] is False, "the warning of the first due date no longer counts"

    both.at(DUE + timedelta(days=1))
    assert both.sla_clock_to_retention(rid) == ["SlaWarning:data_subject_request"], (
        "no breach of the old date"
    )
    assert both.request(rid)["overdue"] is False
    both.at(new_due - timedelta(days=7))
    assert both.sla_clock_to_retention(rid)[-1] == "SlaWarning:data_subject_request"
    assert both.request(rid)["warned"] is True


def test_a_completed_request_is_neither_warned_nor_breached(both: Both) -> None:
    rid = both.receive("rectification")
    for step in (("identity-verified", {"method": "ID card seen"}), ("complete", None)):
        response = both.retention.post(f"/subject-requests/{rid}/{step[0]}", json=step[1], headers=DPO)
        assert response.status_code == 200, response.text
    both.retention_to_sla_clock()
    both.at(DUE + timedelta(days=1))
    assert both.sla_clock_to_retention(rid) == []
    shown = both.request(rid)
    assert (shown["status"], shown["warned"], shown["overdue"]) == ("completed", False, False)
