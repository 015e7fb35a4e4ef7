"""The business calendar step due times count on: the one the SLA clock's policy in force
names, as the SLA clock defined it (its ``CalendarDefined`` and ``SlaPolicyDefined`` events,
kept in ``business_calendars`` and ``calendar_in_force``). Until both are known, the deadline
rules' own calendar applies."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.authorisation_tables import business_calendars, calendar_in_force
from events.calendar import BusinessCalendar
from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.persistence import upsert

_IN_FORCE = select(
    business_calendars.c.name, business_calendars.c.calendar, business_calendars.c.defined_at
).join(calendar_in_force, calendar_in_force.c.name == business_calendars.c.name)


async def record_calendar(connection: AsyncConnection, event: CalendarDefined) -> None:
    """Keep the calendar unless a later definition of its name is kept already."""
    current = (
        await connection.execute(
            select(business_calendars.c.defined_at).where(business_calendars.c.name == event.name)
        )
    ).scalar()
    if current is not None and current.replace(tzinfo=current.tzinfo or UTC) > event.at:
        return
    values = {"name": event.name, "calendar": event.calendar, "defined_at": event.at.astimezone(UTC)}
    await upsert(connection, business_calendars, values, ["name"])


async def record_policy(connection: AsyncConnection, event: SlaPolicyDefined) -> None:
    """Keep the calendar of the latest policy version."""
    current = (await connection.execute(select(calendar_in_force.c.policy_version))).scalar()
    if current is not None and current >= event.version:
        return
    values = {"singleton": 1, "name": event.calendar, "policy_version": event.version}
    await upsert(connection, calendar_in_force, values, ["singleton"])


class CalendarInForce:
    """Reads the calendar in force, parsed once per definition."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str], BusinessCalendar] = {}

    async def read(self, connection: AsyncConnection) -> BusinessCalendar | None:
        row = (await connection.execute(_IN_FORCE)).first()
        if row is None:
            return None
        key = (row.name, str(row.defined_at))
        if key not in self._parsed:
            self._parsed[key] = BusinessCalendar.from_spec(row.calendar)
        return self._parsed[key]
