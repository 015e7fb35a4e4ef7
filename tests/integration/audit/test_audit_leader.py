"""On PostgreSQL, two processes of one service: one advisory lock, one folder and signer;
when it stops, the other takes the lead and goes on from the stored log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.catalogue.audit import CheckpointSigned
from events.catalogue.intake import RequestClosed
from events.db import create_engine
from events.migrations import upgrade_platform
from events.service.audit import run_audit
from events.service.settings import ServiceSettings
from events.store import SqlEventStore
from events.testing import checkpoint_size
from events.testing.servers import make_database

KEY = Signer.generate("guichet-leader-test")
AT = datetime(2026, 3, 2, tzinfo=UTC)


@dataclass
class _Definition:
    name: str = "leader-test"
    consumer_factory: Any = None


@dataclass
class _Process:
    store: SqlEventStore
    settings: ServiceSettings
    definition: _Definition = field(default_factory=_Definition)
    state: dict[str, Any] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    bus: Any = None

    @property
    def audit(self) -> ServiceAudit:
        audit = self.state["audit"]
        assert isinstance(audit, ServiceAudit)
        return audit


async def _eventually(condition: Any, seconds: float = 15) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def test_one_process_leads_and_the_other_takes_over(postgres_url: str) -> None:
    url = await make_database(postgres_url, f"leader_{uuid4().hex[:8]}")
    engine = create_engine(url, pool_size=4)
    await upgrade_platform(engine)
    settings = ServiceSettings(database_url=url, jwt_secret="x" * 32, audit_poll_interval=0.05)
    processes = []
    for _ in range(2):
        process = _Process(SqlEventStore(engine, source="/guichet/leader-test"), settings)
        process.state["audit"] = ServiceAudit(
            process.store, origin="guichet/leader-test", signer=KEY, every_events=1000, every_seconds=0.01
        )
        processes.append(process)
    tasks = [asyncio.create_task(run_audit(p, p.stopping)) for p in processes]  # type: ignore[arg-type]
    store = processes[0].store

    async def signed() -> list[int]:
        return [
            checkpoint_size(e) for e in await store.read_all(0, 1000) if e.type == CheckpointSigned.event_type
        ]

    try:
        await _eventually(lambda: _leads(*processes))
        await store.append(uuid4(), "note", 0, [RequestClosed(request_id=uuid4(), reason="x", at=AT)])
        await _eventually(lambda: _has(signed, 1))
        assert [p.audit.leading for p in processes].count(True) == 1
        leader = next(p for p in processes if p.audit.leading)
        follower = next(p for p in processes if not p.audit.leading)
        leader.stopping.set()
        await _eventually(lambda: _leads(follower))
        await store.append(uuid4(), "note", 0, [RequestClosed(request_id=uuid4(), reason="x", at=AT)])
        await _eventually(lambda: _has(signed, 2))
        sizes = await signed()
        assert sizes == sorted(set(sizes)) and sizes[:2] == [1, 3]  # 1 event; +CheckpointSigned, +1
    finally:
        for process in processes:
            process.stopping.set()
        await asyncio.gather(*tasks)
        await engine.dispose()


async def _has(signed: Any, count: int) -> bool:
    return len(await signed()) >= count


async def _leads(*processes: _Process) -> bool:
    return any(process.audit.leading for process in processes)
