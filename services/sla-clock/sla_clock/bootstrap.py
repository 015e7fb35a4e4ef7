"""The only module that picks the SLA clock's concrete adapters and wires them to the use cases.

``definition.extra`` tunes it (tests and benches): ``now`` (clock callable), ``horizon``,
``refill_interval``, ``catch_up_grace``, ``input_wait_limit`` (seconds: how long the scheduler
waits at start for the consumer's backlog before firing anyway).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from events.application.ports import Clock
from events.persistence import Projectors, SystemClock, is_postgres
from events.service.runtime import ServiceRuntime
from events.store import SqlEventStore
from sla_clock.adapters.clock import CallableClock
from sla_clock.adapters.replay import RuntimeReplay
from sla_clock.adapters.rules_store import EventStoreRules
from sla_clock.adapters.timers import SqlTimerSchedule
from sla_clock.adapters.unit_of_work import SlaUnitOfWork, SqlRecords
from sla_clock.adapters.views import SqlReadModel
from sla_clock.app.firing import fire_timers
from sla_clock.app.ports import ReadModel, Records, Replay
from sla_clock.app.projection import RequestTracker
from sla_clock.app.rules import CurrentRules
from sla_clock.app.scheduler import Scheduler, SchedulerTuning
from sla_clock.app.subject_requests import SubjectRequestTracker
from sla_clock.domain.timers import DueTimer

_STATE_KEY = "sla"


@dataclass(frozen=True)
class SlaService:
    """The SLA clock of one running service: its use cases and workers over chosen adapters."""

    clock: Clock
    rules: CurrentRules
    tracker: RequestTracker
    subject_requests: SubjectRequestTracker
    read: ReadModel
    scheduler: Scheduler
    replay: Replay
    records: Callable[[AsyncConnection], Records]


def rules_for(store: SqlEventStore, on_commit: Callable[[], None]) -> CurrentRules:
    return CurrentRules(EventStoreRules(store, on_commit))


def unit_of_work_for(
    store: SqlEventStore, clock: Clock, on_commit: Callable[[], None]
) -> Callable[[], SlaUnitOfWork]:
    return lambda: SlaUnitOfWork(store, Projectors(), clock, on_commit)


def scheduler_for(
    store: SqlEventStore,
    rules: CurrentRules,
    clock: Clock,
    tuning: SchedulerTuning,
    on_commit: Callable[[], None],
    input_caught_up: Callable[[], Awaitable[None]] | None = None,
) -> Scheduler:
    """The scheduler worker over the store's database (benches build it alone)."""
    unit_of_work = unit_of_work_for(store, clock, on_commit)

    async def fire(ids: Sequence[int]) -> list[DueTimer]:
        return await fire_timers(unit_of_work(), ids, clock)

    return Scheduler(SqlTimerSchedule(store.engine), fire, rules, clock, tuning, input_caught_up)


def bootstrap(runtime: ServiceRuntime) -> SlaService:
    extra = runtime.definition.extra
    clock: Clock = CallableClock(extra["now"]) if "now" in extra else SystemClock()
    rules = rules_for(runtime.store, runtime.committed)

    async def consumer_caught_up() -> None:
        if runtime.runner is not None:
            await runtime.runner.caught_up.wait()

    tuning = SchedulerTuning(
        horizon=extra.get("horizon", 60.0),
        refill_interval=extra.get("refill_interval", 1.0),
        catch_up_grace=extra.get("catch_up_grace", 0.5),
        lanes=2 if is_postgres(runtime.engine) else 1,  # SQLite: one writer anyway
        input_wait_limit=extra.get("input_wait_limit", 60.0),
    )
    scheduler = scheduler_for(runtime.store, rules, clock, tuning, runtime.committed, consumer_caught_up)
    unit_of_work = unit_of_work_for(runtime.store, clock, runtime.committed)
    return SlaService(
        clock=clock,
        rules=rules,
        tracker=RequestTracker(rules, clock, scheduler, unit_of_work),
        subject_requests=SubjectRequestTracker(clock, scheduler),
        read=SqlReadModel(runtime.engine, runtime.store),
        scheduler=scheduler,
        replay=RuntimeReplay(runtime),
        records=SqlRecords,
    )


def sla_of(runtime: ServiceRuntime) -> SlaService:
    """The runtime's SLA clock, bootstrapped on first use (the consumer is built before on_ready)."""
    found = running(runtime)
    if found is None:
        found = runtime.state[_STATE_KEY] = bootstrap(runtime)
    return found


def running(runtime: ServiceRuntime) -> SlaService | None:
    """The runtime's SLA clock if it was bootstrapped already (None while starting)."""
    found = runtime.state.get(_STATE_KEY)
    assert found is None or isinstance(found, SlaService)
    return found
