"""Wiring of the SLA clock service: its definition for the service kit (the only place adapters
are chosen).

``definition.extra`` tunes it (tests and benches): ``now`` (clock callable), ``scheduler``
(False: no background firing, tests call ``Scheduler.fire_due``), ``horizon``,
``refill_interval``, ``catch_up_grace``, ``input_wait_limit`` (seconds: how long the scheduler
waits at start for the consumer's backlog before firing anyway).
"""

from __future__ import annotations

from pathlib import Path

from events.consumer import Consumer
from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition, ServiceRuntime
from sla_clock.app.context import SlaContext, utc_now
from sla_clock.app.projection import make_consumer
from sla_clock.app.rules import RulesBook, default_calendars, load_rules, seed_defaults
from sla_clock.app.scheduler import Scheduler
from sla_clock.domain.policy import DEFAULT_POLICY
from sla_clock.entrypoints.http import router


def context_of(runtime: ServiceRuntime) -> SlaContext:
    """The service's SlaContext, created on first use (the consumer is built before on_ready)."""
    ctx = runtime.state.get("sla")
    if ctx is None:
        extra = runtime.definition.extra
        ctx = SlaContext(
            runtime.store,
            RulesBook(DEFAULT_POLICY, "france", default_calendars()),
            now=extra.get("now", utc_now),
        )
        runtime.state["sla"] = ctx

        async def consumer_caught_up() -> None:
            if runtime.runner is not None:
                await runtime.runner.caught_up.wait()

        runtime.state["scheduler"] = Scheduler(
            ctx,
            horizon=extra.get("horizon", 60.0),
            refill_interval=extra.get("refill_interval", 1.0),
            catch_up_grace=extra.get("catch_up_grace", 0.5),
            on_commit=runtime.committed,
            input_caught_up=consumer_caught_up,
            input_wait_limit=extra.get("input_wait_limit", 60.0),
        )
        ctx.wake = runtime.state["scheduler"].wake
    return ctx  # type: ignore[no-any-return]


def scheduler_of(runtime: ServiceRuntime) -> Scheduler:
    context_of(runtime)
    return runtime.state["scheduler"]  # type: ignore[no-any-return]


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    return make_consumer(context_of(runtime), runtime.engine)


async def load_policies(runtime: ServiceRuntime) -> None:
    ctx = context_of(runtime)
    if await seed_defaults(runtime.store, ctx.now()):
        runtime.committed()
    ctx.rules, ctx.loaded = await load_rules(runtime.store), True


async def run_scheduler(runtime: ServiceRuntime) -> None:
    if runtime.definition.extra.get("scheduler", True):
        await scheduler_of(runtime).run()


async def stop_scheduler(runtime: ServiceRuntime) -> None:
    if "scheduler" in runtime.state:
        scheduler_of(runtime).stop()


DEFINITION = ServiceDefinition(
    **identity_of("sla_clock"),
    title="SLA clock",
    routers=(router,),
    migrations=Path(__file__).parent / "migrations",
    consumes=("intake", "documents"),
    consumer_factory=build_consumer,
    on_ready=(load_policies,),
    background=(run_scheduler,),
    on_stop=(stop_scheduler,),
)
