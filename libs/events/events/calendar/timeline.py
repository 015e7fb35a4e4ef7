"""Business time as a timeline of UTC open intervals with running totals, one block per local year.

All arithmetic is on integer microseconds since the Unix epoch (UTC), so results are exact and
``between(a, add(a, d)) == d`` holds to the microsecond. Each year block is built once, from the
calendar's local wall-clock opening spans converted day by day to UTC (which makes it DST-correct),
and answers ``add``/``between``/``is_open`` with two binary searches instead of a day-by-day walk.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .instants import EPOCH, ONE_US
from .opening_hours import MINUTES_PER_DAY, WeeklyHours

_ONE_DAY = timedelta(days=1)
_US_PER_AVERAGE_YEAR = int(365.2425 * 86_400 * 1_000_000)
# Guards next_opening against a calendar closed for ever (e.g. absurd extra closed dates).
_MAX_EMPTY_YEARS = 50


@dataclass(frozen=True, slots=True)
class YearBlock:
    """Open intervals of one local year: [starts[i], ends[i]) in UTC microseconds.

    ``cum_ends[i]`` is the business time from the start of the year to ``ends[i]``;
    ``total`` is the year's business time. Touching intervals are merged.
    """

    year: int
    lo: int
    hi: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    cum_ends: tuple[int, ...]
    total: int

    def elapsed(self, us: int) -> int:
        """Business time from the start of this block to instant ``us`` (inside the block)."""
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum_ends[i] - (end - us if us < end else 0)


def _local_us(day: date, minute: int, zone: ZoneInfo) -> int:
    if minute == MINUTES_PER_DAY:
        day, minute = day + _ONE_DAY, 0
    # A wall time skipped by a DST jump resolves with fold=0, i.e. the pre-transition offset.
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    return (local - EPOCH) // ONE_US


def build_year_block(year: int, zone: ZoneInfo, hours: WeeklyHours, closed: frozenset[date]) -> YearBlock:
    starts: list[int] = []
    ends: list[int] = []
    day, stop = date(year, 1, 1), date(year + 1, 1, 1)
    while day < stop:
        spans = hours[day.weekday()]
        if spans and day not in closed:
            for span in spans:
                start = _local_us(day, span.start_minute, zone)
                end = _local_us(day, span.end_minute, zone)
                if end <= start:
                    continue
                if ends and start <= ends[-1]:
                    ends[-1] = max(ends[-1], end)
                else:
                    starts.append(start)
                    ends.append(end)
        day += _ONE_DAY
    cum_ends: list[int] = []
    running = 0
    for start, end in zip(starts, ends, strict=True):
        running += end - start
        cum_ends.append(running)
    lo = _local_us(date(year, 1, 1), 0, zone)
    hi = _local_us(stop, 0, zone)
    return YearBlock(year, lo, hi, tuple(starts), tuple(ends), tuple(cum_ends), running)


class Timeline:
    """Lazily built year blocks of one calendar, and the queries over them.

    Not a value object: it only memoises what a frozen BusinessCalendar implies.
    """

    __slots__ = ("_blocks", "_build")

    def __init__(self, build: Callable[[int], YearBlock]) -> None:
        self._blocks: dict[int, YearBlock] = {}
        self._build = build

    def block(self, year: int) -> YearBlock:
        found = self._blocks.get(year)
        if found is None:
            found = self._blocks[year] = self._build(year)
        return found

    def block_at(self, us: int) -> YearBlock:
        # The average-year guess is off by at most a couple of days, hence one step at most.
        blk = self.block(1970 + us // _US_PER_AVERAGE_YEAR)
        while us < blk.lo:
            blk = self.block(blk.year - 1)
        while us >= blk.hi:
            blk = self.block(blk.year + 1)
        return blk

    def add(self, us: int, duration: int) -> int:
        """Earliest instant when ``duration`` (> 0) of business time has elapsed since ``us``."""
        blk = self.block_at(us)
        target = blk.elapsed(us) + duration
        while target > blk.total:
            target -= blk.total
            blk = self.block(blk.year + 1)
        i = bisect_left(blk.cum_ends, target)
        return blk.ends[i] - (blk.cum_ends[i] - target)

    def between(self, a: int, b: int) -> int:
        """Business time in [a, b); requires a <= b."""
        first, last = self.block_at(a), self.block_at(b)
        if first is last:
            return last.elapsed(b) - first.elapsed(a)
        total = first.total - first.elapsed(a) + last.elapsed(b)
        for year in range(first.year + 1, last.year):
            total += self.block(year).total
        return total

    def is_open(self, us: int) -> bool:
        blk = self.block_at(us)
        i = bisect_right(blk.starts, us) - 1
        return i >= 0 and us < blk.ends[i]

    def next_opening(self, us: int) -> int:
        """``us`` itself if open, else the start of the next open interval."""
        blk = self.block_at(us)
        i = bisect_right(blk.ends, us)
        for _ in range(_MAX_EMPTY_YEARS):
            if i < len(blk.starts):
                return max(us, blk.starts[i])
            blk, i = self.block(blk.year + 1), 0
        raise ValueError(f"calendar never opens within {_MAX_EMPTY_YEARS} years")
