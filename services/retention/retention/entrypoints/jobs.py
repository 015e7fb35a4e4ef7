"""The scheduled job: every ``purge_interval`` seconds, purge what the policy ended. Each purge
records its proof. (A data-subject request's due date is the SLA clock's to watch.)"""

from __future__ import annotations

import asyncio

import structlog

from events.envelope import Metadata
from events.service.runtime import ServiceRuntime
from retention.bootstrap import bootstrap

log = structlog.get_logger(__name__)

DEFAULT_INTERVAL = 3600.0
JOB_ACTOR = Metadata(actor="retention-job")


async def run_jobs(runtime: ServiceRuntime) -> None:
    if runtime.definition.extra.get("jobs", True) is False:
        return
    interval = float(runtime.definition.extra.get("purge_interval", DEFAULT_INTERVAL))
    stop = runtime.state.setdefault("retention_stop", asyncio.Event())
    while not stop.is_set():
        retention = bootstrap(runtime)
        try:
            outcomes = await retention.use_cases.purge(JOB_ACTOR)
            log.info("retention.purged", subjects={o.category: o.subjects for o in outcomes})
        except Exception as error:  # noqa: BLE001 - retried at the next interval
            log.warning("retention.job_failed", error=f"{type(error).__name__}: {error}")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            continue


async def stop_jobs(runtime: ServiceRuntime) -> None:
    stop = runtime.state.setdefault("retention_stop", asyncio.Event())
    stop.set()
