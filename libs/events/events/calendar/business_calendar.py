"""Business calendar: opening hours, public holidays, time zone and cut-off, as a frozen value.

Rules callers may rely on:

* Every datetime argument must be timezone-aware (ValueError otherwise); every datetime
  returned is aware and in UTC.
* Opening hours are local wall-clock spans, converted to UTC day by day, so a DST change never
  shifts an opening; under the 24/7 calendar business time equals elapsed real time.
* ``add_business_time(start, d)`` returns the *earliest* instant at which ``d`` (> 0) of business
  time has elapsed: when the count ends exactly at a closing time, the result is that closing
  instant (Friday 16:30), not the next opening (Monday 08:30). A zero duration returns ``start``.
* ``business_time_between(a, b)`` is signed: ``between(b, a) == -between(a, b)``.
* Cut-off (``effective_start``): a request received strictly after the cut-off time, local,
  on a business day, counts from the first opening of the next business day. Received before
  the cut-off, or on a closed day, it counts from ``received_at`` itself (closed time simply
  does not count). ``add_business_time`` applies it only with ``apply_cutoff=True``: whether a
  target honours the cut-off is the SLA policy's decision, not the calendar's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .holiday_dates import holiday_dates
from .instants import ONE_US, from_us, to_us
from .opening_hours import (
    ALWAYS_OPEN_HOURS,
    DEFAULT_WEEKLY_HOURS,
    WeeklyHours,
    normalise_weekly_hours,
    weekly_hours_from_spec,
    weekly_hours_to_spec,
)
from .timeline import Timeline, YearBlock, build_year_block

DEFAULT_CUTOFF = time(16, 0)


@dataclass(frozen=True)
class BusinessCalendar:
    """When an organisation is open. Immutable and hashable; safe to share between threads
    for reads (the per-year cache only ever gains identical entries)."""

    name: str = "default"
    tz: str = "Europe/Paris"
    weekly_hours: WeeklyHours = DEFAULT_WEEKLY_HOURS
    holiday_country: str | None = "FR"
    holiday_subdiv: str | None = None
    extra_closed_dates: frozenset[date] = frozenset()
    cutoff: time | None = DEFAULT_CUTOFF
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _timeline: Timeline = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise inputs once, here
        set_(self, "weekly_hours", normalise_weekly_hours(self.weekly_hours))
        set_(self, "extra_closed_dates", frozenset(self.extra_closed_dates))
        if self.cutoff is not None and self.cutoff.tzinfo is not None:
            raise ValueError("cutoff is a local wall-clock time and must be naive")
        if self.holiday_country is None and self.holiday_subdiv is not None:
            raise ValueError("holiday_subdiv needs holiday_country")
        if self.holiday_country is not None:
            holiday_dates(self.holiday_country, self.holiday_subdiv, 2000)  # fail fast
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        set_(self, "_zone", zone)
        set_(self, "_timeline", Timeline(self._build_year))

    # --- constructors -----------------------------------------------------------------
    @classmethod
    def always_open(cls, name: str = "24/7", tz: str = "UTC") -> BusinessCalendar:
        """24/7 calendar for clock-time targets: business time is elapsed real time."""
        return cls(name, tz, ALWAYS_OPEN_HOURS, holiday_country=None, cutoff=None)

    @classmethod
    def quebec(cls, name: str = "Québec", extra_closed: Iterable[date] = ()) -> BusinessCalendar:
        return cls(
            name,
            "America/Toronto",
            holiday_country="CA",
            holiday_subdiv="QC",
            extra_closed_dates=frozenset(extra_closed),
        )

    # --- queries ----------------------------------------------------------------------
    def is_business_day(self, day: date) -> bool:
        if not self.weekly_hours[day.weekday()] or day in self.extra_closed_dates:
            return False
        country = self.holiday_country
        return country is None or day not in holiday_dates(country, self.holiday_subdiv, day.year)

    def is_open(self, at: datetime) -> bool:
        """Open intervals are half-open: open at 08:30:00, closed at 12:00:00."""
        return self._timeline.is_open(to_us(at))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` (in UTC) when open, else the start of the next opening."""
        return from_us(self._timeline.next_opening(to_us(at)))

    def effective_start(self, received_at: datetime) -> datetime:
        """The instant a business-time count starts for a request received at ``received_at``."""
        us = to_us(received_at)
        if self.cutoff is not None:
            local = received_at.astimezone(self._zone)
            if local.time() > self.cutoff and self.is_business_day(local.date()):
                next_day = datetime.combine(local.date() + timedelta(days=1), time(0), self._zone)
                return from_us(self._timeline.next_opening(to_us(next_day)))
        return from_us(us)

    def add_business_time(
        self, start: datetime, duration: timedelta, *, apply_cutoff: bool = False
    ) -> datetime:
        """Earliest instant at which ``duration`` (>= 0) of business time has elapsed since
        ``start`` (or since ``effective_start(start)`` with ``apply_cutoff``)."""
        if apply_cutoff:
            start = self.effective_start(start)
        us = to_us(start)
        length = duration // ONE_US
        if length <= 0:
            if length < 0:
                raise ValueError(f"duration must not be negative, got {duration}")
            return from_us(us)
        return from_us(self._timeline.add(us, length))

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        ua, ub = to_us(a), to_us(b)
        if ua <= ub:
            return timedelta(microseconds=self._timeline.between(ua, ub))
        return -timedelta(microseconds=self._timeline.between(ub, ua))

    # --- plain data -------------------------------------------------------------------
    def to_spec(self) -> dict[str, Any]:
        """JSON-ready plain data, e.g. for an event payload; ``from_spec`` inverts it."""
        return {
            "name": self.name,
            "tz": self.tz,
            "weekly_hours": weekly_hours_to_spec(self.weekly_hours),
            "holidays": None
            if self.holiday_country is None
            else {"country": self.holiday_country, "subdiv": self.holiday_subdiv},
            "extra_closed_dates": sorted(day.isoformat() for day in self.extra_closed_dates),
            "cutoff": None if self.cutoff is None else _format_time(self.cutoff),
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> BusinessCalendar:
        hol = spec["holidays"]
        cutoff = spec["cutoff"]
        return cls(
            name=spec["name"],
            tz=spec["tz"],
            weekly_hours=weekly_hours_from_spec(spec["weekly_hours"]),
            holiday_country=None if hol is None else hol["country"],
            holiday_subdiv=None if hol is None else hol.get("subdiv"),
            extra_closed_dates=frozenset(date.fromisoformat(d) for d in spec["extra_closed_dates"]),
            cutoff=None if cutoff is None else time.fromisoformat(cutoff),
        )

    # --- internals --------------------------------------------------------------------
    def _closed_dates(self, year: int) -> frozenset[date]:
        if self.holiday_country is None:
            return self.extra_closed_dates
        public = holiday_dates(self.holiday_country, self.holiday_subdiv, year)
        return public | self.extra_closed_dates

    def _build_year(self, year: int) -> YearBlock:
        return build_year_block(year, self._zone, self.weekly_hours, self._closed_dates(year))


def _format_time(value: time) -> str:
    whole_minutes = value.second == 0 and value.microsecond == 0
    return value.isoformat("minutes" if whole_minutes else "auto")
