"""Retention's data-subject requests -> their deadline facts -> the warning and breach timers,
in the consumer's transaction (the inbox row, the facts and the timers commit together). The
timers fire through the same scheduler as every request's: ``SlaWarning`` / ``SlaBreached`` of
kind ``data_subject_request`` on the request's SLA stream."""

from __future__ import annotations

from uuid import UUID

from events.application.ports import Clock
from events.catalogue import DomainEvent
from sla_clock.app.ports import Alarm, Records
from sla_clock.domain.subject_requests import SubjectRequestFacts, desired_timers, evolve


class SubjectRequestTracker:
    def __init__(self, clock: Clock, alarm: Alarm) -> None:
        self.clock = clock
        self.alarm = alarm

    async def project(self, event: DomainEvent, records: Records) -> SubjectRequestFacts | None:
        """The request's new facts, if the event changed them."""
        request_id: UUID = event.request_id  # type: ignore[attr-defined]
        facts = await records.subject_requests.get(request_id)
        new = evolve(facts, event)
        if new is None or new == facts:
            return None
        now = self.clock.now()
        await records.subject_requests.save(new, now)
        earliest = await records.timers.sync(request_id, desired_timers(new), now)
        if earliest is not None:
            self.alarm.wake(earliest)
        return new

    async def forget_all(self, records: Records) -> None:
        """Clear the facts before the events are replayed (the armed timers go with the
        requests', ``RequestTracker.forget_all``)."""
        await records.subject_requests.clear()
