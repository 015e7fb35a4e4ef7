"""Policies and calendars as data: versioned by events in the SLA store, seeded at first start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.store import ConcurrencyError, SqlEventStore
from sla_clock.domain.business_calendar import BusinessCalendar
from sla_clock.domain.clock import ClockRules
from sla_clock.domain.deadlines import Calendars
from sla_clock.domain.policy import DEFAULT_POLICY, SlaPolicy

NAMESPACE = uuid5(NAMESPACE_URL, "https://guichet.dev/sla-clock")
POLICY_STREAM = uuid5(NAMESPACE, "policy")
CALENDAR_STREAM = uuid5(NAMESPACE, "calendars")
DEFAULT_CALENDAR = "france"


class UnknownCalendar(LookupError):
    """A policy names a calendar that was never defined."""


def request_stream(request_id: UUID) -> UUID:
    """The SLA stream of one request (``stream_type="sla"``)."""
    return uuid5(NAMESPACE, str(request_id))


def default_calendars() -> dict[str, BusinessCalendar]:
    return {
        "france": BusinessCalendar(name="france"),
        "quebec": BusinessCalendar.quebec(name="quebec"),
        "24/7": BusinessCalendar.always_open(),
    }


@dataclass(frozen=True)
class RulesBook:
    """The current policy version and calendars, with the stream versions they were read at."""

    policy: SlaPolicy
    calendar: str
    calendars: Mapping[str, BusinessCalendar]
    policy_event: dict[str, Any] = field(default_factory=dict)
    policy_stream_version: int = 0
    calendar_stream_version: int = 0

    def clock_rules(self) -> ClockRules:
        return ClockRules(self.policy, Calendars(self.calendars[self.calendar]), self.calendar)


async def load_rules(store: SqlEventStore) -> RulesBook:
    calendars = default_calendars()
    calendar_envelopes = await store.read_stream(CALENDAR_STREAM)
    for envelope in calendar_envelopes:
        event = envelope.decode()
        assert isinstance(event, CalendarDefined)
        calendars[event.name] = BusinessCalendar.from_spec(event.calendar)
    policy_envelopes = await store.read_stream(POLICY_STREAM)
    if not policy_envelopes:
        return RulesBook(
            DEFAULT_POLICY, DEFAULT_CALENDAR, calendars, calendar_stream_version=len(calendar_envelopes)
        )
    last = policy_envelopes[-1].decode()
    assert isinstance(last, SlaPolicyDefined)
    return RulesBook(
        SlaPolicy.from_spec(last.policy),
        last.calendar,
        calendars,
        last.model_dump(mode="json"),
        len(policy_envelopes),
        len(calendar_envelopes),
    )


async def seed_defaults(store: SqlEventStore, now: datetime) -> bool:
    """Record the default calendars and policy v1 on a fresh store; False if already there."""
    if await store.read_stream(POLICY_STREAM):
        return False
    try:
        async with store.transaction() as tx:
            await tx.append(
                CALENDAR_STREAM,
                "sla_calendar",
                0,
                [
                    CalendarDefined(name=name, calendar=calendar.to_spec(), defined_by="system", at=now)
                    for name, calendar in default_calendars().items()
                ],
            )
            await tx.append(
                POLICY_STREAM,
                "sla_policy",
                0,
                [
                    SlaPolicyDefined(
                        version=DEFAULT_POLICY.version,
                        policy=DEFAULT_POLICY.to_spec(),
                        calendar=DEFAULT_CALENDAR,
                        defined_by="system",
                        reason="defaults of DOMAIN.md §3-4",
                        at=now,
                    )
                ],
            )
    except ConcurrencyError:
        return False  # another instance seeded first
    return True


async def define_policy(
    store: SqlEventStore,
    book: RulesBook,
    spec: dict[str, Any],
    calendar: str,
    by: str,
    reason: str,
    now: datetime,
) -> int:
    """Append the next policy version (optimistic: a concurrent definition gives a 409)."""
    if calendar not in book.calendars:
        raise UnknownCalendar(f"no calendar named {calendar!r}; known: {sorted(book.calendars)}")
    version = book.policy.version + 1
    policy = SlaPolicy.from_spec({**spec, "version": version})  # validates the targets
    await store.append(
        POLICY_STREAM,
        "sla_policy",
        book.policy_stream_version,
        [
            SlaPolicyDefined(
                version=version,
                policy=policy.to_spec(),
                calendar=calendar,
                defined_by=by,
                reason=reason,
                at=now,
            )
        ],
    )
    return version


async def define_calendar(
    store: SqlEventStore, book: RulesBook, spec: dict[str, Any], by: str, now: datetime
) -> BusinessCalendar:
    calendar = BusinessCalendar.from_spec(spec)
    await store.append(
        CALENDAR_STREAM,
        "sla_calendar",
        book.calendar_stream_version,
        [CalendarDefined(name=calendar.name, calendar=calendar.to_spec(), defined_by=by, at=now)],
    )
    return calendar
