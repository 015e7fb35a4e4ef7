"""Where an approvals submit-and-decide round trip spends its CPU: process CPU per round trip,
statements per round trip, and (``PROFILE=1``) cProfile's top functions.

    [UVLOOP=1] [PROFILE=1] .venv/bin/python -m bench.profile_approvals [round_trips]

Starts its own PostgreSQL (or uses ``GUICHET_TEST_DATABASE_URL``), runs the round trips of
``bench_approvals`` (16 tasks, ``SubmitForApproval`` then ``DecideApproval`` as a director)
after a warm-up, and prints wall time, this process's CPU time per round trip and the SQL
statements sent per round trip (SQLAlchemy's and the store's asyncpg ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import os
import pstats
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

from bench.bench_approvals import round_trip_on

WRITERS = 16


@contextlib.contextmanager
def counting_statements(engine: Any, counter: Counter[str]) -> Iterator[None]:
    """Count what SQLAlchemy executes and what the store sends on the asyncpg connection
    (transactions' BEGIN and COMMIT included, as asyncpg sends them), while in the block:
    the counting itself costs CPU, so the timed run goes without it."""
    import asyncpg
    from sqlalchemy import event

    def sqlalchemy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counter[statement.split()[0].upper()] += 1

    originals = {
        name: getattr(asyncpg.Connection, name) for name in ("fetch", "fetchrow", "fetchval", "execute")
    }

    def counted(original: Any) -> Any:
        def wrapped(self: Any, query: str, *args: Any, **kw: Any) -> Any:
            counter["store " + query.split()[0].upper().rstrip(";")] += 1
            return original(self, query, *args, **kw)

        return wrapped

    event.listen(engine.sync_engine, "before_cursor_execute", sqlalchemy)
    for name, original in originals.items():
        setattr(asyncpg.Connection, name, counted(original))
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", sqlalchemy)
        for name, original in originals.items():
            setattr(asyncpg.Connection, name, original)


PACKAGES = (
    "asyncpg/",
    "sqlalchemy/",
    "pydantic",
    "greenlet",
    "events/store/",
    "events/persistence/",
    "events/application/",
    "events/",
    "approvals/adapters/",
    "approvals/app/",
    "approvals/domain/",
    "bench/",
    "asyncio/",
)


def by_package(stats: pstats.Stats, *, own_time: bool = True) -> Counter[str]:
    """cProfile's own time (no waiting: a coroutine's time is counted while it runs), or its
    number of calls, summed per package; C functions under the name cProfile gives them."""
    totals: Counter[str] = Counter()
    for (path, _, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        owner = next((p for p in PACKAGES if p in path), None)
        totals[owner or (name if path == "~" else path.rsplit("/", 1)[-1])] += entry[2 if own_time else 1]
    return totals


async def main(round_trips: int) -> None:
    from approvals.service import DEFINITION
    from events.db import create_engine
    from events.migrations import upgrade, upgrade_platform
    from events.testing.servers import acquire_postgres, make_database

    server = acquire_postgres()
    engine = create_engine(
        await make_database(server.url, f"profile_approvals_{uuid.uuid4().hex[:8]}"), pool_size=WRITERS + 4
    )
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_approvals")
        round_trip = round_trip_on(engine)

        async def run(count: int) -> None:
            queue: asyncio.Queue[int] = asyncio.Queue()
            for number in range(count):
                queue.put_nowait(number)

            async def worker() -> None:
                while not queue.empty():
                    await round_trip(queue.get_nowait())

            await asyncio.gather(*(worker() for _ in range(WRITERS)))

        await run(WRITERS * 8)  # warm-up: connections, prepared statements, caches
        statements: Counter[str] = Counter()
        with counting_statements(engine, statements):
            await run(WRITERS)
        per_trip = {name: n / WRITERS for name, n in sorted(statements.items())}
        profiler = cProfile.Profile(time.process_time) if os.environ.get("PROFILE") else None
        cpu, wall, times = time.process_time(), time.perf_counter(), os.times()
        if profiler:
            profiler.enable()
        await run(round_trips)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        user, system = os.times().user - times.user, os.times().system - times.system
        print(
            f"{round_trips} round trips in {wall:.2f} s = {round_trips / wall:,.0f}/s"
            f"{' (profiled)' if profiler else ''}; process CPU {1000 * cpu / round_trips:.2f} ms "
            f"per round trip (user {1000 * user / round_trips:.2f}, "
            f"system {1000 * system / round_trips:.2f}; "
            f"{100 * cpu / wall:.0f}% of one core); load {os.getloadavg()[0]:.2f}"
        )
        print("statements per round trip:", ", ".join(f"{k} {v:g}" for k, v in per_trip.items()))
        if profiler:
            stats = pstats.Stats(profiler)
            calls = sum(entry[1] for entry in stats.stats.values())  # type: ignore[attr-defined]
            print(f"Python function calls per round trip: {calls / round_trips:,.0f}")
            shown = int(os.environ.get("PACKAGES", "20"))
            calls_by_package = by_package(stats, own_time=False)
            print("own CPU time (µs) and calls per round trip, by package:")
            for package, seconds in by_package(stats).most_common(shown):
                calls_per_trip = calls_by_package[package] / round_trips
                print(f"  {1e6 * seconds / round_trips:8.0f}  {calls_per_trip:6.0f}  {package}")
            top = int(os.environ.get("TOP", "40"))
            stats.sort_stats("tottime").print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)
    finally:
        await engine.dispose()
        server.stop()


if __name__ == "__main__":
    if os.environ.get("UVLOOP"):  # the loop uvicorn runs the service on when uvloop is installed
        import uvloop

        uvloop.install()
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 800))
