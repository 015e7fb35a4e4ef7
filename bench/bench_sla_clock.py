"""sla-clock at scale: 1,000,000 open requests, a burst of warnings due in the same second,
memory, and recovery after a restart with a burst fallen due while down.

The read model is loaded in bulk (asyncpg COPY) from what the projection itself computes
(``domain.clock.desired_timers`` on ``RequestState``): requests with identical facts get
identical timers, so each distinct (received minute, priority) is computed once.
Run alone: ``.venv/bin/python -m bench.bench_sla_clock`` (``BENCH_SCALE=0.05`` for a smoke run);
in ``make bench`` through ``run(ctx)``.
"""

from __future__ import annotations

import asyncio
import gc
import resource
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.core import Context, Result, scaled
from events.db import create_engine
from events.migrations import upgrade, upgrade_platform
from events.persistence import SystemClock
from events.store import SqlEventStore
from events.testing.servers import to_asyncpg_dsn
from sla_clock.app.scheduler import Scheduler, SchedulerTuning
from sla_clock.bootstrap import rules_for, scheduler_for
from sla_clock.domain.clock import ClockRules, desired_timers
from sla_clock.domain.deadlines import Calendars
from sla_clock.domain.policy import DEFAULT_POLICY
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.rules_book import default_calendars
from sla_clock.domain.state_codec import encode

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "sla-clock" / "sla_clock" / "migrations"
REQUESTS, BURST = 1_000_000, 5_000
LATE_P99_TARGET_S, RSS_TARGET_MIB, RECOVERY_TARGET_S = 1.0, 1024, 30.0
RULES = ClockRules(DEFAULT_POLICY, Calendars(default_calendars()["france"]), "france")
REQUEST_COLUMNS = (
    "request_id",
    "reference",
    "received_at",
    "channel",
    "priority",
    "status",
    "first_response_at",
    "reopened_count",
    "escalated",
    "interactions",
    "policy_version",
    "calendar",
    "state",
    "updated_at",
)
TIMER_COLUMNS = ("request_id", "key", "threshold", "fire_at", "due_at", "state", "explanation", "armed_at")


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _shape(received: datetime, priority: str, updated: datetime | None) -> tuple[Any, list[Any]]:
    """(state template, timers) computed by the projection's own pure functions."""
    state = RequestState(
        uuid.UUID(int=0),
        received,
        "phone",
        "R",
        priority=priority,
        status="in_progress",
        resolution_start=received,
        first_response_at=updated,
        last_update_at=updated,
        last_activity_at=updated or received,
    )
    return encode(state), desired_timers(state, RULES)


def _rows(
    count: int, shapes: list[tuple[datetime, str, datetime | None]], now: datetime
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Yield (request rows, timer rows) chunks; ``shapes`` cycles over the requests."""
    cache: dict[Any, tuple[Any, list[Any]]] = {}
    requests, timers = [], []
    for i in range(count):
        received, priority, updated = shapes[i % len(shapes)]
        template, specs = cache.get((received, priority, updated)) or cache.setdefault(
            (received, priority, updated), _shape(received, priority, updated)
        )
        rid = uuid.uuid4()
        state = orjson.dumps({**template, "request_id": str(rid)}).decode()
        requests.append(
            (
                rid,
                "R",
                received,
                "phone",
                priority,
                "in_progress",
                updated,
                0,
                False,
                0,
                1,
                "france",
                state,
                now,
            )
        )
        timers += [
            (rid, s.key, s.threshold, s.fire_at, s.due_at, "armed", orjson.dumps(s.explanation).decode(), now)
            for s in specs
        ]
        if len(requests) >= 50_000:
            yield requests, timers
            requests, timers = [], []
    if requests:
        yield requests, timers


async def load(dsn: str, count: int, shapes: list[Any], now: datetime) -> float:
    """Bulk-load ``count`` open requests cycling over ``shapes`` (received, priority, updated)."""
    began = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        for requests, timers in _rows(count, shapes, now):
            await connection.copy_records_to_table("sla_requests", records=requests, columns=REQUEST_COLUMNS)
            await connection.copy_records_to_table("sla_timers", records=timers, columns=TIMER_COLUMNS)
        await connection.execute("ANALYZE sla_timers; ANALYZE sla_requests")
    finally:
        await connection.close()
    return time.perf_counter() - began


def background_shapes(now: datetime) -> list[Any]:
    """P2/P3 requests received over the last 20 h, updated 5 min ago: nothing due for hours."""
    updated = now - timedelta(minutes=5)
    return [
        (now.replace(second=0, microsecond=0) - timedelta(minutes=m), p, updated)
        for m in range(60, 20 * 60)
        for p in ("p2", "p3")
    ]


def burst_shape(at: datetime) -> list[Any]:
    """A P1 received 24 min before ``at`` warns at ``at`` (80 % of 30 min)."""
    return [(at - timedelta(minutes=24), "p1", None)]


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


async def start(store: SqlEventStore) -> tuple[Scheduler, asyncio.Task[None]]:
    tuning = SchedulerTuning(horizon=60, refill_interval=1.0)
    scheduler = scheduler_for(store, rules_for(store, lambda: None), SystemClock(), tuning, lambda: None)
    scheduler.record_lateness = True  # fire_at -> commit of the emitting transaction
    return scheduler, asyncio.create_task(scheduler.run())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def run(ctx: Context) -> list[Result]:
    count, burst = scaled(REQUESTS, minimum=1000), scaled(BURST, minimum=100)
    url = await ctx.database("bench_sla_clock")
    engine = create_engine(url, pool_size=4)
    await upgrade_platform(engine)
    await upgrade(engine, MIGRATIONS, "alembic_version_sla_clock")
    store = SqlEventStore(engine, source="/guichet/sla-clock")
    dsn = to_asyncpg_dsn(url)
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"  sla-clock: loading {count:,} open requests...", flush=True)
    loaded = await load(dsn, count - 2 * burst, background_shapes(now), now)
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=15)
    second = first + timedelta(seconds=15)
    loaded += await load(dsn, burst, burst_shape(first), now)
    loaded += await load(dsn, burst, burst_shape(second), now)
    print(
        f"  sla-clock: loaded in {loaded:.1f} s; {burst:,} warnings due at {first:%H:%M:%S} "
        f"and {burst:,} at {second:%H:%M:%S} (the second while the scheduler is down)",
        flush=True,
    )
    if datetime.now(UTC) > first - timedelta(seconds=3):
        ctx.note("sla-clock: the load overran the first burst; its lateness includes the load")
    gc.collect()
    try:
        scheduler, task = await start(store)
        await asyncio.wait_for(scheduler.caught_up.wait(), 120)
        await asyncio.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds() + 1))
        for _ in range(240):  # the burst is fired within seconds; give up after 2 minutes
            if len(scheduler.lateness) >= burst:
                break
            await asyncio.sleep(0.5)
        late = sorted(scheduler.lateness)
        rss = rss_mib()
        await stop(task)  # down when the second burst falls due
        await asyncio.sleep(max(0.0, (second - datetime.now(UTC)).total_seconds() + 2))
        began = time.perf_counter()
        scheduler, task = await start(store)
        await asyncio.wait_for(scheduler.caught_up.wait(), 120)
        recovery = time.perf_counter() - began
        await stop(task)
    finally:
        await engine.dispose()
    results: list[Result] = []
    lines = [
        ("warnings late p50", pct(late, 0.50), "s", None),
        ("warnings late p99", pct(late, 0.99), "s", LATE_P99_TARGET_S),
        ("warnings late max", late[-1], "s", None),
        ("RSS", rss, "MiB", RSS_TARGET_MIB),
        ("restart recovery", recovery, "s", RECOVERY_TARGET_S),
    ]
    for name, value, unit, target in lines:
        text = (
            f"sla-clock {name}: {value:.3f} {unit}"
            if unit == "s"
            else f"sla-clock {name}: {value:.0f} {unit}"
        )
        if target is not None:
            text += f" (target <= {target:g} {unit}) {verdict(value <= target)}"
        print("  " + text, flush=True)
        results.append(
            Result(
                f"sla-clock {name}",
                value,
                unit,
                group="sla-clock",
                count=burst,
                detail=""
                if target is None
                else f"lower is better: target <= {target:g} {unit} {verdict(value <= target)}",
            )
        )
    results.append(
        Result(
            "sla-clock bulk load",
            count / loaded,
            "requests/s",
            group="sla-clock",
            count=count,
            seconds=loaded,
            detail=f"{count:,} requests + their timers, COPY",
        )
    )
    return results


def main() -> None:
    from events.testing.servers import acquire_postgres

    server = acquire_postgres()
    try:
        asyncio.run(run(Context(server.url, None, 1.0)))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
