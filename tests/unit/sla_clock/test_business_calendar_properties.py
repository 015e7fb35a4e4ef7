"""Business calendar properties, checked against a slow day-by-day reference implementation."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from sla_clock.domain.business_calendar import BusinessCalendar
from sla_clock.domain.opening_hours import OpeningSpan

ONE_US = timedelta(microseconds=1)
# Spans around 02:00–03:00 make DST gaps and overlaps land inside opening hours.
NIGHT_SHIFT = (OpeningSpan.parse("00:00-02:30"), OpeningSpan.parse("22:00-24:00"))
CALENDARS = [
    BusinessCalendar(),
    BusinessCalendar.quebec(),
    BusinessCalendar.always_open(tz="Europe/Paris"),
    BusinessCalendar(
        name="night shift",
        tz="Europe/Paris",
        weekly_hours=(NIGHT_SHIFT,) * 5 + ((OpeningSpan.parse("09:00-12:00"),), ()),
        extra_closed_dates=frozenset({date(2025, 3, 31), date(2025, 10, 27)}),
    ),
]
ZONES = [UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/Toronto"), ZoneInfo("Asia/Tokyo")]

calendars = st.sampled_from(CALENDARS)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from(ZONES),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=300))
positive_durations = st.timedeltas(min_value=ONE_US, max_value=timedelta(hours=300))


def reference_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Sum of overlaps of [a, b) with each local day's opening spans, for a <= b."""
    zone = ZoneInfo(calendar.tz)
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    total = timedelta(0)
    day = a.astimezone(zone).date() - timedelta(days=1)
    while day <= b.astimezone(zone).date() + timedelta(days=1):
        closed = day in calendar.extra_closed_dates or (
            calendar.holiday_country is not None
            and day
            in holidays.country_holidays(
                calendar.holiday_country, subdiv=calendar.holiday_subdiv, years=day.year
            )
        )
        for span in () if closed else calendar.weekly_hours[day.weekday()]:
            start = _local(day, span.start_minute, zone)
            end = _local(day, span.end_minute, zone)
            overlap = min(end, b) - max(start, a)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute == 24 * 60:
        day, minute = day + timedelta(days=1), 0
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    # In UTC: Python subtracts two datetimes of the same zone as wall-clock times.
    return local.astimezone(UTC)


def in_order(*instants: datetime) -> list[datetime]:
    """Sorted by real time (same-zone comparisons ignore fold), and in UTC."""
    return sorted(at.astimezone(UTC) for at in instants)


@settings(deadline=None)
@given(calendars, instants, durations)
def test_measuring_an_added_duration_gives_it_back(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add_business_time(start, duration)
    assert cal.business_time_between(start, end) == duration


@settings(deadline=None)
@given(calendars, instants, durations, durations)
def test_adding_is_monotonic_in_the_duration(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    d1, d2 = sorted((d1, d2))
    assert start <= cal.add_business_time(start, d1) <= cal.add_business_time(start, d2)


@settings(deadline=None)
@given(calendars, instants, positive_durations)
def test_a_result_is_open_time_or_exactly_a_closing_boundary(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add_business_time(start, duration)
    # Open just before the result: the result lies inside an opening or at its very end.
    assert cal.is_open(end - ONE_US)


@settings(deadline=None)
@given(calendars, instants, instants, instants)
def test_business_time_is_additive(cal: BusinessCalendar, x: datetime, y: datetime, z: datetime) -> None:
    a, b, c = in_order(x, y, z)
    between = cal.business_time_between
    assert between(a, c) == between(a, b) + between(b, c)
    assert between(c, a) == -between(a, c)


@settings(deadline=None, max_examples=60)
@given(calendars, instants, instants)
def test_business_time_matches_the_day_by_day_reference(
    cal: BusinessCalendar, x: datetime, y: datetime
) -> None:
    a, b = in_order(x, y)
    b = min(b, a + timedelta(days=60))
    assert cal.business_time_between(a, b) == reference_between(cal, a, b)


@settings(deadline=None)
@given(calendars, instants)
def test_is_open_matches_one_microsecond_of_business_time(cal: BusinessCalendar, at: datetime) -> None:
    after = at.astimezone(UTC) + ONE_US
    assert cal.is_open(at) == (reference_between(cal, at, after) == ONE_US)


@settings(deadline=None)
@given(calendars, instants)
def test_next_opening_is_open_and_nothing_before_it_is(cal: BusinessCalendar, at: datetime) -> None:
    opening = cal.next_opening(at)
    assert opening >= at
    assert cal.is_open(opening)
    assert cal.business_time_between(at, opening) == timedelta(0)


@given(instants, durations)
def test_the_24_7_calendar_counts_real_elapsed_time(start: datetime, duration: timedelta) -> None:
    clock = BusinessCalendar.always_open(tz="Europe/Paris")
    assert clock.add_business_time(start, duration) == start.astimezone(UTC) + duration


@settings(deadline=None)
@given(instants)
def test_the_effective_start_is_never_earlier_than_the_arrival(at: datetime) -> None:
    calendar = BusinessCalendar()
    effective = calendar.effective_start(at)
    assert effective >= at
    # Only the end of the day after the 16:00 cut-off (at most 16:00–16:30) is skipped.
    assert calendar.business_time_between(at, effective) <= timedelta(minutes=30)
