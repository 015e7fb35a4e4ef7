"""Where the store's time goes: cProfile of append (single, batched) and replay.

Run against a server (fsync on), e.g.::

    GUICHET_TEST_DATABASE_URL=postgresql://... .venv/bin/python -m bench.profile_store [single|batched|replay]

Prints wall time, this process's CPU time (if it is ~= wall, Python is the bottleneck, not
PostgreSQL) and the top functions by own time and cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.core import Context
from bench.event_platform import _append_batched, _append_single, _replay


async def main(which: str) -> None:
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.store import SqlEventStore
    from events.testing.servers import acquire_postgres

    server = acquire_postgres()
    ctx = Context(postgres_url=server.url, kafka_bootstrap=None, scale=1)
    engine = create_engine(await ctx.database("bench_profile"), pool_size=32)
    store = SqlEventStore(engine, source="/guichet/bench")
    await upgrade_platform(engine)
    await _append_single(store, 32, 5)
    await _append_batched(store, 8, 100, 100)
    if which == "replay":
        await _append_batched(store, 8, 10_000, 100)
    work: Callable[[], Awaitable[tuple[Any, ...]]] = {
        "single": lambda: _append_single(store, 32, 100),
        "batched": lambda: _append_batched(store, 8, 2_000, 100),
        "replay": lambda: _replay(store),
    }[which]
    profiler = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    profiler.enable()
    outcome = await work()
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    count = outcome[0]
    print(
        f"{which}: {count} events in {wall:.2f} s wall = {count / wall:,.0f} events/s "
        f"(profiled); process CPU {cpu:.2f} s = {100 * cpu / wall:.0f}% of one core"
    )
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(int(os.environ.get("TOP", "25")))
    stats.sort_stats("cumulative").print_stats(int(os.environ.get("TOP", "25")))
    await engine.dispose()
    server.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "single"))
