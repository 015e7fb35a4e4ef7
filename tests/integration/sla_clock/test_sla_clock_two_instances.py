"""Two SLA-clock instances on one PostgreSQL database fire each threshold once.

A rolling update runs the old and the new pod together (``maxSurge: 1``): both schedulers load
the same armed timers and fire them at the same instant. The claim (``FOR UPDATE SKIP LOCKED``
and the state check, in the transaction that appends the events and flips the timers) lets one
of them fire each timer; an append that loses the race on a request's stream is retried from
the database, as the scheduler's loop does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import func, select

from events.db import create_engine
from events.migrations import upgrade, upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database
from sla_clock.adapters.tables import sla_timers
from sla_clock.app.scheduler import RETRIED, Scheduler, SchedulerTuning
from sla_clock.bootstrap import rules_for, scheduler_for
from sla_clock.domain.clock import BREACH, WARNING
from sla_clock.domain.timers import ARMED, FIRED
from sla_clock.service import DEFINITION

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
REQUESTS = 40
KINDS = ("first_response", "resolution")


class FixedClock:
    def now(self) -> datetime:
        return NOW


async def fire_until_none_left(scheduler: Scheduler) -> None:
    """The scheduler loop's firing part, driven step by step: refill, fire, retry a lost race."""
    for _ in range(50):
        try:
            await scheduler.refill()
            if not await scheduler.fire_due() and not scheduler._heap:
                return
        except RETRIED:
            scheduler.forget()
        await asyncio.sleep(0)


async def test_two_schedulers_on_one_database_fire_each_threshold_once(postgres_url: str, tmp_path) -> None:
    url = await make_database(postgres_url, f"sla_two_{tmp_path.name[-12:].lower()}")
    setup = create_engine(url)
    await upgrade_platform(setup)
    assert DEFINITION.migrations is not None
    await upgrade(setup, DEFINITION.migrations, "alembic_version_sla_clock")
    timers = [
        {
            "request_id": request_id,
            "key": kind,
            "threshold": threshold,
            "fire_at": NOW - timedelta(minutes=offset),
            "due_at": NOW + timedelta(hours=1),
            "state": ARMED,
            "explanation": {"policy_version": 1},
            "armed_at": NOW - timedelta(hours=1),
        }
        for request_id in (uuid4() for _ in range(REQUESTS))
        for kind in KINDS
        for offset, threshold in ((2, WARNING), (1, BREACH))
    ]
    async with setup.begin() as connection:
        await connection.execute(sla_timers.insert(), timers)

    engines = [create_engine(url, pool_size=4) for _ in range(2)]
    clock = FixedClock()
    tuning = SchedulerTuning(horizon=60.0, catch_up_grace=0.0, lanes=2, batch=7)
    schedulers = []
    for engine in engines:
        store = SqlEventStore(engine, source="/guichet/sla-clock")
        schedulers.append(scheduler_for(store, rules_for(store, lambda: None), clock, tuning, lambda: None))
    try:
        await asyncio.gather(*(fire_until_none_left(scheduler) for scheduler in schedulers))

        assert sum(scheduler.fired for scheduler in schedulers) == len(timers)
        assert all(scheduler.fired for scheduler in schedulers), "both instances took part"
        async with setup.connect() as connection:
            states: dict[str, int] = dict(
                (
                    await connection.execute(
                        select(sla_timers.c.state, func.count()).group_by(sla_timers.c.state)
                    )
                )
                .tuples()
                .all()
            )
        assert states == {FIRED: len(timers)}
        emitted = [
            (envelope.data["request_id"], envelope.data["kind"], envelope.type)
            for envelope in await SqlEventStore(setup, source="/guichet/sla-clock").read_all(
                0, 10 * len(timers)
            )
        ]
        assert len(emitted) == len(timers)
        assert len(set(emitted)) == len(timers), "no threshold emitted twice"
    finally:
        for engine in (*engines, setup):
            await engine.dispose()
