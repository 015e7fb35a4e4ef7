"""The SLA clock service for the service kit: its definition, hooks and workers.

``definition.extra`` may also say ``scheduler=False``: no background firing (tests call
``Scheduler.fire_due``); see ``bootstrap`` for the rest.
"""

from __future__ import annotations

from pathlib import Path

from events.catalogue.sla_clock import SubjectDataErased
from events.consumer import Consumer
from events.service.declaration import identity_of
from events.service.erasure import erasure_handlers
from events.service.runtime import ServiceDefinition, ServiceRuntime
from sla_clock.app.rules import seed_defaults
from sla_clock.bootstrap import running, sla_of
from sla_clock.entrypoints import audit_scope
from sla_clock.entrypoints.consumer import make_consumer
from sla_clock.entrypoints.http import routers


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    sla = sla_of(runtime)
    erasure = erasure_handlers(runtime, SubjectDataErased, None)
    return make_consumer(sla.tracker, runtime.engine, sla.records, sla.subject_requests, erasure)


async def load_policies(runtime: ServiceRuntime) -> None:
    sla = sla_of(runtime)
    await seed_defaults(sla.rules.store, sla.clock.now())
    await sla.rules.load()


async def run_scheduler(runtime: ServiceRuntime) -> None:
    if runtime.definition.extra.get("scheduler", True):
        await sla_of(runtime).scheduler.run()


async def stop_scheduler(runtime: ServiceRuntime) -> None:
    sla = running(runtime)
    if sla is not None:
        sla.scheduler.stop()


DEFINITION = ServiceDefinition(
    **identity_of("sla_clock"),
    title="SLA clock",
    routers=(*routers, audit_scope.router),
    migrations=Path(__file__).parent / "migrations",
    consumes=("intake", "documents", "retention"),
    consumer_factory=build_consumer,
    on_ready=(load_policies,),
    background=(run_scheduler,),
    on_stop=(stop_scheduler,),
)
