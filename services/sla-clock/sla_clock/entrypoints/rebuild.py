"""The rebuild worker: replay the consumed topics from the beginning into a cleared read model.

Fired timers are kept (only armed ones are cancelled), so the replay re-arms timers but never
emits an event twice for the same ``(request, kind, due_at)``. The scheduler is paused until
the replay has gone quiet: mid-replay, a request looks unanswered until its later events
are replayed, and firing then would emit warnings that never happened live.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from sla_clock.app.ports import Replay
from sla_clock.app.projection import RequestTracker
from sla_clock.app.scheduler import Scheduler

log = structlog.get_logger(__name__)
QUIET_SECONDS = 2.0


async def rebuild(
    replay: Replay, tracker: RequestTracker, scheduler: Scheduler, quiet: float = QUIET_SECONDS
) -> None:
    scheduler.pause()
    started = time.monotonic()
    try:
        await replay.restart()
        while True:
            idle = time.monotonic() - max(tracker.last_event, started)
            if idle >= quiet:
                break
            await asyncio.sleep(quiet - idle)
    finally:
        scheduler.forget()
        scheduler.resume()
        log.info("sla.rebuilt", seconds=round(time.monotonic() - started, 2))
