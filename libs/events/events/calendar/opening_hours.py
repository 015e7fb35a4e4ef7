"""Weekly opening hours: local wall-clock spans per weekday, as values and as plain text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MINUTES_PER_DAY = 24 * 60
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class OpeningSpan:
    """Half-open local wall-clock span [start, end), in minutes after midnight.

    ``end_minute`` may be 1440 (written ``24:00``) so that a span can run to midnight.
    """

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(f"invalid opening span {self.start_minute}-{self.end_minute}")

    @classmethod
    def parse(cls, text: str) -> OpeningSpan:
        """Parse ``"08:30-12:00"`` (``24:00`` allowed as an end)."""
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"opening span must look like 08:30-12:00, got {text!r}")
        return cls(_parse_hhmm(start), _parse_hhmm(end))

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute

    def __str__(self) -> str:
        return f"{_format_hhmm(self.start_minute)}-{_format_hhmm(self.end_minute)}"


# Index 0 is Monday, as in date.weekday().
WeeklyHours = tuple[tuple[OpeningSpan, ...], ...]


def _parse_hhmm(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"time must look like HH:MM, got {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"time out of range: {text!r}")
    return value


def _format_hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def normalise_weekly_hours(hours: Sequence[Sequence[OpeningSpan]]) -> WeeklyHours:
    """Return ``hours`` as nested tuples; raise ValueError unless 7 days of sorted disjoint spans
    with at least one opening in the week (a calendar that never opens has no business time)."""
    if len(hours) != 7:
        raise ValueError(f"weekly hours need 7 days (Monday first), got {len(hours)}")
    result = tuple(tuple(sorted(day)) for day in hours)
    for day in result:
        for before, after in zip(day, day[1:], strict=False):
            if after.start_minute < before.end_minute:
                raise ValueError(f"overlapping opening spans {before} and {after}")
    if not any(result):
        raise ValueError("weekly hours must open at least once a week")
    return result


def weekly_hours_from_spec(spec: Mapping[str, Sequence[str]]) -> WeeklyHours:
    """Build from ``{"mon": ["08:30-12:00", ...], ...}``; a missing day is closed."""
    unknown = set(spec) - set(WEEKDAY_KEYS)
    if unknown:
        raise ValueError(f"unknown weekday keys {sorted(unknown)}")
    return normalise_weekly_hours(
        [[OpeningSpan.parse(text) for text in spec.get(key, ())] for key in WEEKDAY_KEYS]
    )


def weekly_hours_to_spec(hours: WeeklyHours) -> dict[str, list[str]]:
    return {key: [str(span) for span in day] for key, day in zip(WEEKDAY_KEYS, hours, strict=True)}


_MORNING = OpeningSpan.parse("08:30-12:00")
_AFTERNOON = OpeningSpan.parse("13:00-16:30")
DEFAULT_WEEKLY_HOURS: WeeklyHours = ((_MORNING, _AFTERNOON),) * 5 + ((), ())
ALWAYS_OPEN_HOURS: WeeklyHours = ((OpeningSpan(0, MINUTES_PER_DAY),),) * 7
