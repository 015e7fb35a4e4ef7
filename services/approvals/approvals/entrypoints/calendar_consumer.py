"""The consumer of the SLA clock's calendars: step due times count on the business calendar
the SLA policy in force names, as the SLA clock defined it (``sla_clock.CalendarDefined``,
``sla_clock.SlaPolicyDefined``), kept in the transaction that marks each event handled."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.calendars import record_calendar, record_policy
from events.catalogue import DomainEvent
from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.consumer import Handler
from events.envelope import Envelope


async def _calendar(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    assert isinstance(event, CalendarDefined)
    await record_calendar(connection, event)


async def _policy(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    assert isinstance(event, SlaPolicyDefined)
    await record_policy(connection, event)


CALENDAR_HANDLERS: dict[str, Handler] = {
    CalendarDefined.event_type: _calendar,
    SlaPolicyDefined.event_type: _policy,
}
