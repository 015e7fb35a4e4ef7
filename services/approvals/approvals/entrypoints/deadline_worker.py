"""The deadline worker as a background job of the service: it sweeps the step deadlines every
few seconds (``extra["deadline_worker"] = False`` turns it off; tests then sweep by hand)."""

from approvals.bootstrap import bootstrap
from events.service.runtime import ServiceRuntime

SWEEP_EVERY_SECONDS = 5.0


async def run_deadline_worker(runtime: ServiceRuntime) -> None:
    if runtime.definition.extra.get("deadline_worker", True):
        await bootstrap(runtime).deadlines.run(SWEEP_EVERY_SECONDS)


async def stop_deadline_worker(runtime: ServiceRuntime) -> None:
    if "approvals" in runtime.state:
        bootstrap(runtime).deadlines.stop()
