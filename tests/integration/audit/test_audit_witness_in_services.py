"""Intake and the SLA clock, each with its audit key: intake's ``CheckpointSigned``, handed to
the SLA clock's consumer as a broker would (``guichet.audit`` on Kafka), is witnessed:
``CheckpointWitnessed`` with its cosignature, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from events.audit.note import Signer, open_note
from events.audit.service import ServiceAudit
from events.bus import InProcessBus
from events.catalogue.audit import CheckpointSigned, CheckpointWitnessed
from events.catalogue.intake import RequestClosed
from events.consumer import Outcome
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
    )


async def test_the_sla_clock_witnesses_intakes_checkpoints(tmp_path: Path) -> None:
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
        audit = intake.state["audit"]
        assert isinstance(audit, ServiceAudit)
        await audit.step()
        [signed] = [e for e in await intake.store.read_all(0, 1000) if e.type == CheckpointSigned.event_type]
        assert sla.consumer is not None
        assert await sla.consumer.process(signed) == Outcome.PROCESSED
        assert await sla.consumer.process(signed) == Outcome.DUPLICATE
        events = [e.decode() for e in await sla.store.read_all(0, 1000)]
        witnessed = [e for e in events if isinstance(e, CheckpointWitnessed)]
        [cosigned] = witnessed
        assert cosigned.origin == "guichet/intake" and cosigned.witness == "guichet-sla-clock"
        verified = open_note(cosigned.note, [INTAKE_KEY.verifier(), SLA_KEY.verifier()])
        assert verified.signed_by == ("guichet-intake", "guichet-sla-clock")
    finally:
        await sla.stop()
        await intake.stop()
