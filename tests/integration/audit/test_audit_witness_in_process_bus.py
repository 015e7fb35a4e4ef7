"""Witnessing on the embedded default's in-process bus (SQLite, one bus, real relays and
consumers): intake's checkpoints reach the SLA clock through ``guichet.audit`` (intake's lane),
are cosigned there, and the cosignature comes back to intake, which consumes the audit topic
with a consumer of its own and keeps it in its stored checkpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from events.audit.note import Signer, open_note
from events.audit.service import ServiceAudit
from events.bus import InProcessBus, lane_name
from events.catalogue.audit import CheckpointWitnessed
from events.catalogue.intake import RequestClosed
from events.service.runtime import ServiceRuntime
from events.service.settings import ServiceSettings
from intake.service import DEFINITION as INTAKE
from sla_clock.service import DEFINITION as SLA_CLOCK

INTAKE_KEY = Signer.generate("guichet-intake")
SLA_KEY = Signer.generate("guichet-sla-clock")


def settings(name: str, key: Signer, data_dir: Path) -> ServiceSettings:
    return ServiceSettings(
        service=name,
        data_dir=data_dir,
        audit_key=key.text(),
        audit_every_seconds=0.001,
        audit_poll_interval=3600,
        audit_verify_seconds=3600,
        relay_poll_interval=0.02,
    )


async def eventually(condition: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


def audit_of(runtime: ServiceRuntime) -> ServiceAudit:
    audit = runtime.state["audit"]
    assert isinstance(audit, ServiceAudit)
    return audit


async def test_intakes_checkpoints_are_cosigned_and_the_cosignature_kept_over_the_in_process_bus(
    tmp_path: Path,
) -> None:
    bus = InProcessBus()
    intake = ServiceRuntime(INTAKE, settings("intake", INTAKE_KEY, tmp_path), bus)
    sla = ServiceRuntime(SLA_CLOCK, settings("sla-clock", SLA_KEY, tmp_path), bus)
    await intake.start()
    await sla.start()
    try:
        async with asyncio.timeout(20):
            await intake.ready.wait()
            await sla.ready.wait()
        at = datetime(2026, 3, 2, tzinfo=UTC)
        await intake.store.append(uuid4(), "note", 0, [RequestClosed(request_id=uuid4(), reason="x", at=at)])
        intake.committed()
        await audit_of(intake).step()
        intake.committed()
        signed_size = audit_of(intake).log.checkpoint_size

        async def witnessed() -> list[CheckpointWitnessed]:
            events = [e.decode() for e in await sla.store.read_all(0, 1000)]
            return [e for e in events if isinstance(e, CheckpointWitnessed) and e.size == signed_size]

        await eventually(lambda: _non_empty(witnessed()))
        [cosigned] = await witnessed()
        assert (cosigned.origin, cosigned.witness) == ("guichet/intake", "guichet-sla-clock")
        assert lane_name("guichet.audit", INTAKE.topic) in bus.lanes("guichet.audit")

        async def kept() -> bool:
            notes = await audit_of(intake).log.checkpoints()
            signed_by = open_note(notes[-1], [INTAKE_KEY.verifier(), SLA_KEY.verifier()]).signed_by
            return signed_by == ("guichet-intake", "guichet-sla-clock")

        sla.committed()
        await eventually(kept)
        report = await audit_of(intake).verify()
        assert report is not None and report.ok
    finally:
        await sla.stop()
        await intake.stop()


async def _non_empty(found: Awaitable[list[CheckpointWitnessed]]) -> bool:
    return bool(await found)
