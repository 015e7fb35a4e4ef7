"""Rebuild the read model by replaying the consumed topics from the beginning.

Fired timers are kept (only armed ones are cancelled), so the replay re-arms timers but never
emits an event twice for the same ``(request, kind, due_at)``. The scheduler is paused until
the replay has gone quiet: mid-replay, a request looks unanswered until its later events
are replayed, and firing then would emit warnings that never happened live.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog

log = structlog.get_logger(__name__)
QUIET_SECONDS = 2.0


async def rebuild(runtime: Any, quiet: float = QUIET_SECONDS) -> None:
    ctx, scheduler = runtime.state["sla"], runtime.state["scheduler"]
    scheduler.paused = True
    started = time.monotonic()
    try:
        await runtime.consumer.reset()
        rewind = getattr(runtime.runner, "rewind", None)
        if rewind is not None:  # Kafka: offsets live in the broker; the inbox was cleared
            await rewind()
        while True:
            idle = time.monotonic() - max(ctx.last_event, started)
            if idle >= quiet:
                break
            await asyncio.sleep(quiet - idle)
    finally:
        scheduler.forget()
        scheduler.paused = False
        log.info("sla.rebuilt", seconds=round(time.monotonic() - started, 2))
