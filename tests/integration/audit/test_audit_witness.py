"""Witnesses: a service cosigns another's checkpoints when each extends the last it cosigned,
the log keeps the cosignatures, and a forked log raises an alarm in the witness's store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from events.audit.note import Checkpoint, Signer, open_note
from events.audit.service import ServiceAudit, Witness, witnessed_stream_id
from events.catalogue.audit import CheckpointSigned, CheckpointWitnessed, IntegrityAlarmRaised
from events.catalogue.intake import RequestClosed
from events.db import create_engine
from events.envelope import Envelope
from events.migrations import upgrade_platform
from events.store import SqlEventStore
from events.testing import checkpoint_size

LOG_KEY = Signer.generate("guichet-intake")
WITNESS_KEY = Signer.generate("guichet-sla-clock")
ORIGIN = "guichet/intake"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def store_at(path: Path, source: str) -> SqlEventStore:
    engine = create_engine(f"sqlite:///{path}")
    await upgrade_platform(engine)
    return SqlEventStore(engine, source=source)


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[SqlEventStore, SqlEventStore, SqlEventStore]]:
    made = [
        await store_at(tmp_path / f"{name}.db", f"/guichet/{name}") for name in ("log", "fork", "witness")
    ]
    yield made[0], made[1], made[2]
    for store in made:
        await store.engine.dispose()


async def append(store: SqlEventStore, count: int) -> None:
    for _ in range(count):
        await store.append(
            uuid4(), "request", 0, [RequestClosed(request_id=uuid4(), reason="customer_confirmed", at=T0)]
        )


def audit_on(store: SqlEventStore) -> ServiceAudit:
    return ServiceAudit(store, origin=ORIGIN, signer=LOG_KEY, every_events=1000, every_seconds=0)


async def signed(store: SqlEventStore) -> list[CheckpointSigned]:
    events = [e.decode() for page in [await store.read_all(0, 10_000)] for e in page]
    return [e for e in events if isinstance(e, CheckpointSigned)]


async def witness_all(witness: Witness, events: list[CheckpointSigned]) -> list[CheckpointWitnessed | None]:
    out = []
    for event in events:
        async with witness.store.engine.begin() as connection:
            out.append(await witness.witness(event, connection))
    return out


async def stream(store: SqlEventStore) -> list[Envelope]:
    return await store.read_stream(witnessed_stream_id(ORIGIN))


async def test_the_witness_cosigns_each_extension_and_the_log_keeps_the_cosignatures(stores) -> None:
    log_store, _, witness_store = stores
    audit = audit_on(log_store)
    await append(log_store, 3)
    await audit.step()
    await append(log_store, 4)
    await audit.step()
    checkpoints = await signed(log_store)
    assert [c.size for c in checkpoints] == [3, 8]  # the first CheckpointSigned is a leaf of the second
    assert checkpoints[1].previous_size == 3 and checkpoints[1].consistency
    witness = Witness(witness_store, WITNESS_KEY, name="guichet-sla-clock")
    witnessed = await witness_all(witness, checkpoints)
    assert all(w is not None for w in witnessed)
    assert [checkpoint_size(e) for e in await stream(witness_store)] == [3, 8]
    assert await witness_all(witness, checkpoints[:1]) == [None]  # not newer: nothing recorded
    last = witnessed[-1]
    assert last is not None
    verified = open_note(last.note, [LOG_KEY.verifier(), WITNESS_KEY.verifier()])
    assert verified.signed_by == ("guichet-intake", "guichet-sla-clock")
    async with log_store.engine.begin() as connection:
        assert await audit.keep_cosignature(last, connection)
    notes = [note for _, _, note, _ in await audit.checkpoint_notes()]
    assert open_note(notes[-1], [LOG_KEY.verifier(), WITNESS_KEY.verifier()]).signed_by == verified.signed_by
    assert len(open_note(notes[0], [LOG_KEY.verifier(), WITNESS_KEY.verifier()]).signed_by) == 1


async def test_a_forked_log_is_refused_and_raises_the_alarm(stores) -> None:
    log_store, fork_store, witness_store = stores
    honest, forked = audit_on(log_store), audit_on(fork_store)
    await append(log_store, 3)
    await honest.step()
    await append(fork_store, 5)  # same key and origin, another history: a rewritten database
    await forked.step()
    await append(fork_store, 2)
    await forked.step()
    witness = Witness(witness_store, WITNESS_KEY, name="guichet-sla-clock")
    [first] = await signed(log_store)
    fork = (await signed(fork_store))[-1]
    assert Checkpoint.parse(open_note(fork.note, [LOG_KEY.verifier()]).text).size > first.size
    results = await witness_all(witness, [first, fork])
    assert results[0] is not None and results[1] is None
    events = [e.decode() for e in await stream(witness_store)]
    assert [type(e) for e in events] == [CheckpointWitnessed, IntegrityAlarmRaised]
    alarm = events[1]
    assert isinstance(alarm, IntegrityAlarmRaised) and "fork" in alarm.reason


async def test_a_checkpoint_not_signed_by_the_pinned_key_is_refused(stores) -> None:
    log_store, _, witness_store = stores
    audit = audit_on(log_store)
    await append(log_store, 2)
    await audit.step()
    [first] = await signed(log_store)
    witness = Witness(witness_store, WITNESS_KEY, name="guichet-sla-clock")
    await witness_all(witness, [first])
    impostor = Signer.generate("guichet-intake")
    other = ServiceAudit(log_store, origin=ORIGIN, signer=impostor, every_events=1000, every_seconds=0)
    await append(log_store, 1)
    await other.step()
    forged = (await signed(log_store))[-1]
    assert forged.log_key == impostor.verifier().text()
    assert await witness_all(witness, [forged]) == [None]
    events = [e.decode() for e in await stream(witness_store)]
    assert isinstance(events[-1], IntegrityAlarmRaised) and "not signed by the log's key" in events[-1].reason


async def test_a_configured_log_key_refuses_a_checkpoint_signed_by_another_from_the_first(stores) -> None:
    log_store, fork_store, witness_store = stores
    impostor = ServiceAudit(
        fork_store, origin=ORIGIN, signer=Signer.generate("guichet-intake"), every_seconds=0
    )
    await append(fork_store, 2)
    await impostor.step()
    trusted = {ORIGIN: LOG_KEY.verifier()}
    witness = Witness(witness_store, WITNESS_KEY, name="guichet-sla-clock", trusted=trusted)
    assert await witness_all(witness, await signed(fork_store)) == [None]
    events = [e.decode() for e in await stream(witness_store)]
    assert [type(e) for e in events] == [IntegrityAlarmRaised]
    assert isinstance(events[0], IntegrityAlarmRaised) and "not signed by the log's key" in events[0].reason

    audit = audit_on(log_store)
    await append(log_store, 2)
    await audit.step()
    [genuine] = await witness_all(witness, await signed(log_store))
    assert genuine is not None and genuine.log_key == LOG_KEY.verifier().text()
