"""Weekly opening hours, from the kit (events.calendar)."""

from events.calendar.opening_hours import (
    ALWAYS_OPEN_HOURS,
    DEFAULT_WEEKLY_HOURS,
    MINUTES_PER_DAY,
    WEEKDAY_KEYS,
    OpeningSpan,
    WeeklyHours,
    normalise_weekly_hours,
    weekly_hours_from_spec,
    weekly_hours_to_spec,
)

__all__ = [
    "ALWAYS_OPEN_HOURS",
    "DEFAULT_WEEKLY_HOURS",
    "MINUTES_PER_DAY",
    "WEEKDAY_KEYS",
    "OpeningSpan",
    "WeeklyHours",
    "normalise_weekly_hours",
    "weekly_hours_from_spec",
    "weekly_hours_to_spec",
]
