"""``RulesStore`` over the event store: the policy and calendar streams of the SLA clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.store import ConcurrencyError, SqlEventStore
from sla_clock.domain.streams import CALENDAR_STREAM, POLICY_STREAM

POLICY_TYPE, CALENDAR_TYPE = "sla_policy", "sla_calendar"
E = TypeVar("E", CalendarDefined, SlaPolicyDefined)


class EventStoreRules:
    """Each append wakes the relay (``on_commit``) once committed."""

    def __init__(self, store: SqlEventStore, on_commit: Callable[[], None]) -> None:
        self.store = store
        self.on_commit = on_commit

    async def calendars(self) -> list[CalendarDefined]:
        return await self._read(CALENDAR_STREAM, CalendarDefined)

    async def policies(self) -> list[SlaPolicyDefined]:
        return await self._read(POLICY_STREAM, SlaPolicyDefined)

    async def seed(self, calendars: Sequence[CalendarDefined], policy: SlaPolicyDefined) -> bool:
        try:
            async with self.store.transaction() as tx:
                await tx.append(CALENDAR_STREAM, CALENDAR_TYPE, 0, list(calendars))
                await tx.append(POLICY_STREAM, POLICY_TYPE, 0, [policy])
        except ConcurrencyError:
            return False  # another instance seeded first
        self.on_commit()
        return True

    async def define_policy(self, expected_version: int, event: SlaPolicyDefined) -> None:
        await self.store.append(POLICY_STREAM, POLICY_TYPE, expected_version, [event])
        self.on_commit()

    async def define_calendar(self, expected_version: int, event: CalendarDefined) -> None:
        await self.store.append(CALENDAR_STREAM, CALENDAR_TYPE, expected_version, [event])
        self.on_commit()

    async def _read(self, stream: UUID, kind: type[E]) -> list[E]:
        events = []
        for envelope in await self.store.read_stream(stream):
            event = envelope.decode()
            assert isinstance(event, kind)
            events.append(event)
        return events
