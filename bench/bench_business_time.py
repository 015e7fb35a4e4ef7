"""Throughput of BusinessCalendar.add_business_time on a realistic mix of starts and durations.

Run: ``.venv/bin/python bench/bench_business_time.py`` (target: 200,000 calls/s).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

try:
    from sla_clock.domain.business_calendar import BusinessCalendar
except ImportError:  # not installed editable: run from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "sla-clock"))
    from sla_clock.domain.business_calendar import BusinessCalendar

TARGET_CALLS_PER_S = 200_000
SAMPLES = 10_000
ROUNDS = 7
# Policy targets (30 min .. 5 business days of 7 h) plus arbitrary durations in between.
POLICY_DURATIONS = [timedelta(minutes=m) for m in (30, 60, 120, 240, 420, 480, 840, 2100)]


def make_cases(seed: int = 20250317) -> list[tuple[datetime, timedelta]]:
    rnd = random.Random(seed)
    zones = [UTC, ZoneInfo("Europe/Paris")]
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    cases = []
    for _ in range(SAMPLES):
        start = origin + timedelta(seconds=rnd.randrange(2 * 365 * 86_400))
        start = start.astimezone(rnd.choice(zones))
        if rnd.random() < 0.7:
            duration = rnd.choice(POLICY_DURATIONS)
        else:
            duration = timedelta(seconds=rnd.randrange(30 * 60, 35 * 3600))
        cases.append((start, duration))
    return cases


def calls_per_second(
    func: Callable[[datetime, timedelta], object], cases: list[tuple[datetime, timedelta]]
) -> float:
    for start, duration in cases:  # warm-up: builds the per-year blocks
        func(start, duration)
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for start, duration in cases:
            func(start, duration)
        best = min(best, time.perf_counter() - began)
    return len(cases) / best


def main() -> None:
    cases = make_cases()
    business = BusinessCalendar()
    rate = calls_per_second(business.add_business_time, cases)
    print(
        f"add_business_time: {rate:.0f} calls/s "
        f"(target {TARGET_CALLS_PER_S}, ratio {rate / TARGET_CALLS_PER_S:.2f})"
    )
    extras: dict[str, Callable[[datetime, timedelta], object]] = {
        "add_business_time (24/7 calendar)": BusinessCalendar.always_open().add_business_time,
        "add_business_time (apply_cutoff=True)": lambda s, d: business.add_business_time(
            s, d, apply_cutoff=True
        ),
        "business_time_between": lambda s, d: business.business_time_between(s, s + d),
    }
    for label, func in extras.items():
        print(f"  {label}: {calls_per_second(func, cases):,.0f} calls/s")


if __name__ == "__main__":
    main()
