"""Policies and calendars as data: versioned by events in the SLA store, seeded at first start."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from sla_clock.app.errors import InvalidCalendar, InvalidPolicy, UnknownCalendar
from sla_clock.app.ports import RulesStore
from sla_clock.domain.business_calendar import BusinessCalendar
from sla_clock.domain.policy import DEFAULT_POLICY, SlaPolicy
from sla_clock.domain.rules_book import DEFAULT_CALENDAR, DEFAULT_RULES, RulesBook, default_calendars


async def read_rules(store: RulesStore, as_of: datetime | None = None) -> RulesBook:
    """The rules in force now, or at ``as_of``: the calendars and policy versions defined by then."""
    return rules_from(await store.calendars(), await store.policies(), as_of)


def rules_from(
    calendars_defined: Sequence[CalendarDefined],
    policies_defined: Sequence[SlaPolicyDefined],
    as_of: datetime | None = None,
) -> RulesBook:
    """The rules book of these definitions (only those made at or before ``as_of``, if given)."""
    defined = [e for e in calendars_defined if as_of is None or e.at <= as_of]
    policies = [e for e in policies_defined if as_of is None or e.at <= as_of]
    calendars = default_calendars()
    for event in defined:
        calendars[event.name] = BusinessCalendar.from_spec(event.calendar)
    if not policies:
        return RulesBook(DEFAULT_POLICY, DEFAULT_CALENDAR, calendars, calendar_stream_version=len(defined))
    last = policies[-1]
    return RulesBook(
        SlaPolicy.from_spec(last.policy),
        last.calendar,
        calendars,
        last.model_dump(mode="json"),
        len(policies),
        len(defined),
    )


class CurrentRules:
    """The rules in force for one running service: the defaults until read from the store."""

    def __init__(self, store: RulesStore, book: RulesBook = DEFAULT_RULES) -> None:
        self.store = store
        self.book = book
        self.loaded = False

    async def load(self) -> RulesBook:
        self.book, self.loaded = await read_rules(self.store), True
        return self.book

    async def ensure_loaded(self) -> RulesBook:
        """The consumer may start before the service has read the stored rules."""
        return self.book if self.loaded else await self.load()

    async def refresh(self) -> None:
        """Take the stored rules if another instance defined new ones."""
        book = await read_rules(self.store)
        if not book.same_versions(self.book):
            self.book = book


async def seed_defaults(store: RulesStore, now: datetime) -> bool:
    """Record the default calendars and policy v1 on a fresh store; False if already there."""
    if await store.policies():
        return False
    calendars = [
        CalendarDefined(name=name, calendar=calendar.to_spec(), defined_by="system", at=now)
        for name, calendar in default_calendars().items()
    ]
    policy = SlaPolicyDefined(
        version=DEFAULT_POLICY.version,
        policy=DEFAULT_POLICY.to_spec(),
        calendar=DEFAULT_CALENDAR,
        defined_by="system",
        reason="defaults of docs/domain.md §4.2-4.3",
        at=now,
    )
    return await store.seed(calendars, policy)


async def define_policy(
    rules: CurrentRules, spec: dict[str, Any], calendar: str, by: str, reason: str, now: datetime
) -> int:
    """Append the next policy version (optimistic: a concurrent definition is a conflict)."""
    book = rules.book
    if calendar not in book.calendars:
        raise UnknownCalendar(f"no calendar named {calendar!r}; known: {sorted(book.calendars)}")
    version = book.policy.version + 1
    try:
        policy = SlaPolicy.from_spec({**spec, "version": version})
        event = SlaPolicyDefined(
            version=version, policy=policy.to_spec(), calendar=calendar, defined_by=by, reason=reason, at=now
        )
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidPolicy.of(error, "policy") from error
    await rules.store.define_policy(book.policy_stream_version, event)
    await rules.load()
    return version


async def define_calendar(
    rules: CurrentRules, spec: dict[str, Any], by: str, now: datetime
) -> BusinessCalendar:
    try:
        calendar = BusinessCalendar.from_spec(spec)
        event = CalendarDefined(name=calendar.name, calendar=calendar.to_spec(), defined_by=by, at=now)
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidCalendar.of(error, "calendar") from error
    await rules.store.define_calendar(rules.book.calendar_stream_version, event)
    await rules.load()
    return calendar
