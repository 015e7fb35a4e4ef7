"""Business calendar: hand-computed examples (Paris office 08:30–12:00, 13:00–16:30, Mon–Fri)."""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla_clock.domain.business_calendar import BusinessCalendar
from sla_clock.domain.opening_hours import OpeningSpan

PARIS = ZoneInfo("Europe/Paris")
MONTREAL = ZoneInfo("America/Toronto")
FRANCE = BusinessCalendar()
QUEBEC = BusinessCalendar.quebec()
H = timedelta(hours=1)


def paris(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=PARIS)


def montreal(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=MONTREAL)


# --- add_business_time ------------------------------------------------------------------


def test_friday_afternoon_plus_four_business_hours_ends_monday_late_morning() -> None:
    # Friday 15:00–16:30 counts 1 h 30, Monday 08:30 + 2 h 30 = 11:00.
    assert FRANCE.add_business_time(paris(2025, 3, 14, 15), 4 * H) == paris(2025, 3, 17, 11)


def test_a_count_ending_exactly_at_closing_time_returns_the_closing_instant() -> None:
    assert FRANCE.add_business_time(paris(2025, 3, 14, 15), 5 * H) == paris(2025, 3, 17, 12)


def test_the_lunch_break_does_not_count() -> None:
    assert FRANCE.add_business_time(paris(2025, 3, 14, 15), 6 * H) == paris(2025, 3, 17, 14)
    assert FRANCE.add_business_time(paris(2025, 3, 17, 11), 2 * H) == paris(2025, 3, 17, 14)


def test_a_start_during_the_break_counts_from_the_afternoon_opening() -> None:
    start = paris(2025, 3, 17, 12, 15)
    assert FRANCE.add_business_time(start, timedelta(minutes=30)) == paris(2025, 3, 17, 13, 30)


def test_a_start_before_opening_or_on_a_weekend_counts_from_the_next_opening() -> None:
    assert FRANCE.add_business_time(paris(2025, 3, 17, 7), H) == paris(2025, 3, 17, 9, 30)
    assert FRANCE.add_business_time(paris(2025, 3, 15, 10), H) == paris(2025, 3, 17, 9, 30)


def test_five_business_days_end_at_the_same_time_a_week_later() -> None:
    assert FRANCE.add_business_time(paris(2025, 3, 17, 10), 35 * H) == paris(2025, 3, 24, 10)


def test_bastille_day_is_skipped() -> None:
    # Friday 11 July 2025 16:00 + 1 h: 30 min Friday, Monday 14 July closed, Tuesday 09:00.
    assert FRANCE.add_business_time(paris(2025, 7, 11, 16), H) == paris(2025, 7, 15, 9)


def test_christmas_day_is_skipped() -> None:
    assert FRANCE.add_business_time(paris(2025, 12, 24, 16), H) == paris(2025, 12, 26, 9)


def test_extra_closed_dates_are_skipped() -> None:
    calendar = BusinessCalendar(extra_closed_dates=frozenset({date(2025, 12, 26)}))
    assert calendar.add_business_time(paris(2025, 12, 24, 16), H) == paris(2025, 12, 29, 9)


def test_a_count_crosses_new_year() -> None:
    # Wed 31 Dec 2025 16:00 + 1 h: Thursday 1 January closed, Friday 2 January 09:00.
    assert FRANCE.add_business_time(paris(2025, 12, 31, 16), H) == paris(2026, 1, 2, 9)


def test_a_long_count_spans_several_years() -> None:
    start = paris(2025, 6, 2, 8, 30)
    end = FRANCE.add_business_time(start, 3000 * H)
    assert end.year == 2027
    assert FRANCE.business_time_between(start, end) == 3000 * H


def test_business_hours_keep_their_wall_clock_times_across_the_spring_dst_change() -> None:
    # Friday 28 March 2025 (UTC+1) 16:00 + 1 h -> Monday 31 March (UTC+2) 09:00 = 07:00 UTC.
    result = FRANCE.add_business_time(paris(2025, 3, 28, 16), H)
    assert result == datetime(2025, 3, 31, 7, tzinfo=UTC)
    assert FRANCE.business_time_between(paris(2025, 3, 31), paris(2025, 4, 1)) == 7 * H


def test_two_clock_hours_across_the_spring_dst_jump_are_two_real_hours() -> None:
    clock = BusinessCalendar.always_open(tz="Europe/Paris")
    result = clock.add_business_time(paris(2025, 3, 30, 1, 30), 2 * H)
    assert result == datetime(2025, 3, 30, 2, 30, tzinfo=UTC)
    assert result.astimezone(PARIS) == paris(2025, 3, 30, 4, 30)


def test_dst_change_days_last_23_and_25_hours_on_the_24_7_calendar() -> None:
    clock = BusinessCalendar.always_open(tz="Europe/Paris")
    assert clock.business_time_between(paris(2025, 3, 30), paris(2025, 3, 31)) == 23 * H
    assert clock.business_time_between(paris(2025, 10, 26), paris(2025, 10, 27)) == 25 * H


def test_zero_duration_returns_the_start_even_when_closed() -> None:
    start = paris(2025, 3, 15, 10)
    assert FRANCE.add_business_time(start, timedelta(0)) == start


def test_negative_duration_is_rejected() -> None:
    with pytest.raises(ValueError):
        FRANCE.add_business_time(paris(2025, 3, 17, 10), -H)


def test_results_are_in_utc() -> None:
    result = FRANCE.add_business_time(paris(2025, 3, 17, 10), H)
    assert result.tzinfo is UTC
    assert FRANCE.next_opening(paris(2025, 3, 15, 10)).tzinfo is UTC
    assert FRANCE.effective_start(paris(2025, 3, 17, 10)).tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: FRANCE.add_business_time(naive, H),
        lambda naive: FRANCE.business_time_between(naive, paris(2025, 3, 17)),
        lambda naive: FRANCE.is_open(naive),
        lambda naive: FRANCE.next_opening(naive),
        lambda naive: FRANCE.effective_start(naive),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError):
        call(datetime(2025, 3, 17, 10))


# --- cut-off ------------------------------------------------------------------------------


def test_a_request_after_the_cutoff_counts_from_the_next_business_day_opening() -> None:
    assert FRANCE.effective_start(paris(2025, 3, 18, 16, 10)) == paris(2025, 3, 19, 8, 30)
    after_cutoff = FRANCE.add_business_time(paris(2025, 3, 18, 16, 10), H, apply_cutoff=True)
    assert after_cutoff == paris(2025, 3, 19, 9, 30)


def test_add_business_time_ignores_the_cutoff_unless_asked() -> None:
    # 16:10–16:30 counts 20 min, then 40 min on Wednesday.
    assert FRANCE.add_business_time(paris(2025, 3, 18, 16, 10), H) == paris(2025, 3, 19, 9, 10)


def test_a_request_at_or_before_the_cutoff_counts_from_its_arrival() -> None:
    assert FRANCE.effective_start(paris(2025, 3, 18, 15, 59)) == paris(2025, 3, 18, 15, 59)
    assert FRANCE.effective_start(paris(2025, 3, 18, 16)) == paris(2025, 3, 18, 16)


def test_a_friday_evening_request_counts_from_monday_and_skips_holidays() -> None:
    assert FRANCE.effective_start(paris(2025, 3, 14, 16, 10)) == paris(2025, 3, 17, 8, 30)
    assert FRANCE.effective_start(paris(2025, 7, 11, 18)) == paris(2025, 7, 15, 8, 30)


def test_the_cutoff_does_not_apply_on_closed_days() -> None:
    assert FRANCE.effective_start(paris(2025, 3, 15, 17)) == paris(2025, 3, 15, 17)
    assert FRANCE.effective_start(paris(2025, 7, 14, 17)) == paris(2025, 7, 14, 17)


def test_the_24_7_calendar_has_no_cutoff() -> None:
    clock = BusinessCalendar.always_open(tz="Europe/Paris")
    assert clock.effective_start(paris(2025, 3, 18, 23)) == paris(2025, 3, 18, 23)


# --- between, is_open, next_opening -------------------------------------------------------


def test_business_time_between_is_signed() -> None:
    friday, monday = paris(2025, 3, 14, 15), paris(2025, 3, 17, 11)
    assert FRANCE.business_time_between(friday, monday) == 4 * H
    assert FRANCE.business_time_between(monday, friday) == -4 * H


def test_a_plain_week_has_35_business_hours_and_the_bastille_day_week_28() -> None:
    assert FRANCE.business_time_between(paris(2025, 3, 17), paris(2025, 3, 24)) == 35 * H
    assert FRANCE.business_time_between(paris(2025, 7, 14), paris(2025, 7, 21)) == 28 * H


def test_opening_intervals_are_half_open() -> None:
    assert FRANCE.is_open(paris(2025, 3, 17, 8, 30))
    assert FRANCE.is_open(paris(2025, 3, 17, 11, 59, 59, 999999))
    assert not FRANCE.is_open(paris(2025, 3, 17, 12))
    assert not FRANCE.is_open(paris(2025, 3, 17, 8, 29))
    assert not FRANCE.is_open(paris(2025, 3, 15, 10))
    assert not FRANCE.is_open(paris(2025, 7, 14, 10))


def test_next_opening_is_the_instant_itself_when_open() -> None:
    assert FRANCE.next_opening(paris(2025, 3, 17, 10)) == paris(2025, 3, 17, 10)
    assert FRANCE.next_opening(paris(2025, 3, 17, 12)) == paris(2025, 3, 17, 13)
    assert FRANCE.next_opening(paris(2025, 3, 15, 10)) == paris(2025, 3, 17, 8, 30)
    assert FRANCE.next_opening(paris(2025, 12, 31, 17)) == paris(2026, 1, 2, 8, 30)


# --- Quebec -------------------------------------------------------------------------------


def test_quebec_closes_on_saint_jean_baptiste_while_france_works() -> None:
    assert QUEBEC.add_business_time(montreal(2025, 6, 23, 16), H) == montreal(2025, 6, 25, 9)
    assert FRANCE.add_business_time(paris(2025, 6, 23, 16), H) == paris(2025, 6, 24, 9)


def test_quebec_and_france_have_different_public_holidays() -> None:
    assert not QUEBEC.is_business_day(date(2025, 7, 1))  # Canada Day
    assert QUEBEC.is_business_day(date(2025, 7, 14))
    assert not FRANCE.is_business_day(date(2025, 7, 14))
    assert FRANCE.is_business_day(date(2025, 7, 1))


def test_business_days_exclude_weekends_and_holidays() -> None:
    assert FRANCE.is_business_day(date(2025, 3, 17))
    assert not FRANCE.is_business_day(date(2025, 3, 15))
    assert not FRANCE.is_business_day(date(2025, 12, 25))


# --- construction and plain data ----------------------------------------------------------


@pytest.mark.parametrize(
    "calendar",
    [
        FRANCE,
        QUEBEC,
        BusinessCalendar.always_open(),
        BusinessCalendar(
            name="odd",
            tz="Asia/Tokyo",
            weekly_hours=((OpeningSpan.parse("22:00-24:00"),),) * 6 + ((),),
            holiday_country=None,
            extra_closed_dates=frozenset({date(2026, 1, 2), date(2025, 5, 5)}),
            cutoff=time(21, 30, 15),
        ),
    ],
)
def test_a_calendar_survives_a_json_round_trip_of_its_spec(calendar: BusinessCalendar) -> None:
    spec = json.loads(json.dumps(calendar.to_spec()))
    assert BusinessCalendar.from_spec(spec) == calendar
    assert hash(BusinessCalendar.from_spec(spec)) == hash(calendar)


def test_the_default_spec_is_readable_plain_data() -> None:
    spec = FRANCE.to_spec()
    assert spec["weekly_hours"]["mon"] == ["08:30-12:00", "13:00-16:30"]
    assert spec["weekly_hours"]["sat"] == []
    assert spec["holidays"] == {"country": "FR", "subdiv": None}
    assert spec["cutoff"] == "16:00"
    assert spec["tz"] == "Europe/Paris"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tz": "Mars/Olympus_Mons"},
        {"holiday_country": "XX"},
        {"holiday_country": "CA", "holiday_subdiv": "ZZ"},
        {"holiday_country": None, "holiday_subdiv": "QC"},
        {"weekly_hours": ((),) * 7},
        {"weekly_hours": ((),) * 6},
        {"weekly_hours": ((OpeningSpan(60, 120), OpeningSpan(90, 150)),) + ((),) * 6},
    ],
)
def test_an_invalid_calendar_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["8:30", "08:30-", "12:00-08:30", "08:61-09:00", "00:00-24:01"])
def test_malformed_opening_spans_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        OpeningSpan.parse(text)
