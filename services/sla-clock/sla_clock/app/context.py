"""The SLA clock's shared objects for one running service (kept in ``runtime.state["sla"]``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from events.store import SqlEventStore
from sla_clock.app.rules import RulesBook


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SlaContext:
    """``now`` is the clock port (tests inject their own); ``wake`` tells the scheduler that a
    timer was armed at some instant (it refills its heap when that falls within its horizon)."""

    store: SqlEventStore
    rules: RulesBook
    now: Callable[[], datetime] = utc_now
    wake: Callable[[datetime], None] = field(default=lambda at: None)
    last_event: float = 0.0  # time.monotonic() of the last consumed event (rebuild)
    loaded: bool = False  # rules read from the store (not just the defaults)
