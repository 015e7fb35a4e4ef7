"""Durable timers as the store keeps them, and the events a batch of due timers emits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from events.catalogue import DomainEvent
from sla_clock.domain.emission import event_for
from sla_clock.domain.streams import request_stream

ARMED, FIRED, CANCELLED = "armed", "fired", "cancelled"


@dataclass(frozen=True)
class DueTimer:
    """An armed timer due now, claimed for firing."""

    id: int
    request_id: UUID
    key: str
    threshold: str
    fire_at: datetime
    due_at: datetime
    explanation: dict[str, Any]


@dataclass(frozen=True)
class ArmedTimer:
    """An armed timer as the scheduler loads it: when it fires, and when it was armed."""

    fire_at: datetime
    id: int
    armed_at: datetime
    request_id: UUID


@dataclass(frozen=True)
class TimerRecord:
    """A timer in any state, as a request's deadlines are explained from."""

    request_id: UUID
    key: str
    threshold: str
    fire_at: datetime
    due_at: datetime
    state: str
    explanation: dict[str, Any]
    emitted_at: datetime | None


def emissions(due: Sequence[DueTimer], emitted_at: datetime) -> dict[UUID, list[DomainEvent]]:
    """The events of due timers, grouped by the SLA stream of their request, in fire order."""
    streams: dict[UUID, list[DomainEvent]] = {}
    for timer in due:
        streams.setdefault(request_stream(timer.request_id), []).append(
            event_for(
                timer.request_id,
                timer.key,
                timer.threshold,
                timer.fire_at,
                timer.due_at,
                timer.explanation,
                emitted_at,
            )
        )
    return streams


@dataclass(frozen=True)
class Deadline:
    """One due instant of a request and the thresholds timed against it. ``status``: active
    while one is armed, superseded when all were cancelled (the rules or facts moved it),
    else done."""

    kind: str
    due_at: datetime
    computed: dict[str, Any]
    thresholds: list[TimerRecord]

    @property
    def status(self) -> str:
        states = {timer.state for timer in self.thresholds}
        if states == {CANCELLED}:
            return "superseded"
        return "active" if ARMED in states else "done"


def deadlines_of(timers: Sequence[TimerRecord]) -> list[Deadline]:
    """Timers grouped by (kind, due instant), in the order their first timer comes; each
    deadline is explained as its first timer was armed."""
    deadlines: dict[tuple[str, datetime], Deadline] = {}
    for timer in timers:
        deadline = deadlines.setdefault(
            (timer.key, timer.due_at), Deadline(timer.key, timer.due_at, timer.explanation, [])
        )
        deadline.thresholds.append(timer)
    return list(deadlines.values())
