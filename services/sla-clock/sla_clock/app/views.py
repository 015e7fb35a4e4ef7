"""Read-side use cases: a request's deadlines explained, and the alerts list."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from events.envelope import Envelope
from sla_clock.app.errors import RequestNotSeen
from sla_clock.app.ports import ReadModel
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.timers import Deadline, TimerRecord, deadlines_of

SUPERSEDED = "superseded"


@dataclass(frozen=True)
class RequestExplained:
    state: RequestState
    deadlines: list[Deadline]
    events: list[Envelope]


async def explain_request(read: ReadModel, request_id: UUID, history: bool = False) -> RequestExplained:
    """Each current deadline (active or done), how it was computed, and its SLA events; with
    ``history``, the superseded ones too (those the rules or facts moved before they fired)."""
    state = await read.request(request_id)
    timers = await read.timers(request_id)
    if state is None:
        raise RequestNotSeen(request_id)
    deadlines = [d for d in deadlines_of(timers) if history or d.status != SUPERSEDED]
    return RequestExplained(state, deadlines, await read.sla_events(request_id))


async def list_alerts(read: ReadModel, state: str | None, limit: int) -> list[TimerRecord]:
    """Alerts and relance reminders: ``state`` armed (upcoming), fired (raised) or cancelled."""
    return await read.alerts(state, limit)
