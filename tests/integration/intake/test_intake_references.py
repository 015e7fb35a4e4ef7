"""Request references on PostgreSQL: one sequence per year, no lock held until commit."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from sqlalchemy import text

from events.db import create_engine
from events.migrations import upgrade, upgrade_platform
from events.persistence import Tracked
from events.store import SqlEventStore
from events.testing.servers import make_database
from intake.adapters.repositories import SqlRequestRepository
from intake.service import DEFINITION


async def test_references_continue_the_counter_and_stay_unique_across_concurrent_transactions(
    postgres_url,
):
    engine = create_engine(await make_database(postgres_url, f"intake_refs_{uuid4().hex[:12]}"))
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_intake")
        async with engine.begin() as connection:  # references given before the sequences existed
            await connection.execute(text("INSERT INTO reference_counters (year, last) VALUES (2030, 41)"))
        store = SqlEventStore(engine, source="/guichet/intake")
        allocated, finish = asyncio.Event(), asyncio.Event()

        async def allocate(year: int, hold: bool = False) -> str:
            async with store.transaction() as tx:
                reference = await SqlRequestRepository(tx, Tracked()).next_reference(year)
                if hold:  # stays open until the others are done: they must not wait for it
                    allocated.set()
                    await finish.wait()
                return reference

        assert await allocate(2030) == "DEM-2030-000042"  # creates the sequence, after the counter
        holder = asyncio.create_task(allocate(2030, hold=True))
        await allocated.wait()
        others = await asyncio.wait_for(asyncio.gather(*(allocate(2030) for _ in range(20))), 10)
        finish.set()
        assert await holder == "DEM-2030-000043"
        assert sorted(others) == [f"DEM-2030-{n:06d}" for n in range(44, 64)]
        assert await allocate(2031) == "DEM-2031-000001"
        async with store.transaction() as tx:  # a rolled-back allocation leaves a gap, no reuse
            await SqlRequestRepository(tx, Tracked()).next_reference(2031)
            await tx.connection.rollback()
        assert await allocate(2031) == "DEM-2031-000003"
    finally:
        await engine.dispose()
