"""The rules in force: a policy version, the calendar it runs on, and every known calendar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sla_clock.domain.business_calendar import BusinessCalendar
from sla_clock.domain.clock import ClockRules
from sla_clock.domain.deadlines import Calendars
from sla_clock.domain.policy import DEFAULT_POLICY, SlaPolicy

DEFAULT_CALENDAR = "france"


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

    def time_zone(self) -> str:
        """The time zone of the calendar in force (reports cut weeks in it)."""
        return self.calendars[self.calendar].tz

    def same_versions(self, other: RulesBook) -> bool:
        return (
            self.policy_stream_version == other.policy_stream_version
            and self.calendar_stream_version == other.calendar_stream_version
        )


DEFAULT_RULES = RulesBook(DEFAULT_POLICY, DEFAULT_CALENDAR, default_calendars())
