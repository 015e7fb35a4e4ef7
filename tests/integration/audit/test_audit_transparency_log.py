"""The store-backed transparency log on SQLite and PostgreSQL: folding, signing, reloading,
proofs, cosignatures, and tampering with the database found by its verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from events.audit.bundle import WITNESS, TrustedKey
from events.audit.log import CheckpointPolicy
from events.audit.merkle import verify_consistency, verify_inclusion
from events.audit.note import Checkpoint, Signer, cosign, open_note
from events.audit.transparency import StoredLogMismatch, TransparencyLog
from events.audit.verify import CHANGED, DELETED, REHASHED
from events.catalogue import DomainEvent
from events.envelope import Envelope
from events.integrity import chain_hash
from events.store import SqlEventStore

ORIGIN = "guichet/test"
KEY = Signer.generate(ORIGIN)


class AuditNoted(DomainEvent, type="test.AuditNoted"):
    text: str


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def append_round_robin(store: SqlEventStore, count: int, streams: list[UUID]) -> list[Envelope]:
    stored: list[Envelope] = []
    for n in range(count):
        stream = streams[n % len(streams)]
        version = len([e for e in stored if e.stream_id == stream])
        stored += await store.append(stream, "note", version, [AuditNoted(text=f"original {n}")])
    return stored


def log_of(store: SqlEventStore, clock: Clock) -> TransparencyLog:
    policy = CheckpointPolicy(every_events=10, every_seconds=3600)
    return TransparencyLog(store, origin=ORIGIN, signer=KEY, policy=policy, clock=clock)


async def test_the_log_signs_every_n_events_or_t_seconds_and_its_bundle_verifies(
    audited_store: SqlEventStore,
) -> None:
    clock = Clock()
    stored = await append_round_robin(audited_store, 25, [uuid4() for _ in range(3)])
    log = log_of(audited_store, clock)
    await log.load()
    assert await log.catch_up() == 25
    sizes = [Checkpoint.parse(open_note(n, [KEY.verifier()]).text).size for n in await log.checkpoints()]
    assert sizes == [10, 20]
    assert await log.catch_up() == 0
    clock.now += timedelta(hours=2)
    await log.catch_up()
    notes = await log.checkpoints()
    assert [Checkpoint.parse(open_note(n, [KEY.verifier()]).text).size for n in notes] == [10, 20, 25]
    report = await log.verify_stored()
    assert (report.ok, report.events, report.signed_size) == (True, 25, 25)

    root_at_20 = Checkpoint.parse(open_note(notes[1], [KEY.verifier()]).text).root
    proof = await log.inclusion_proof(stored[13].id, 20)
    leaf = (await log.recorded_leaves())[13]
    assert (leaf.event_id, leaf.position) == (str(stored[13].id), stored[13].position)
    assert verify_inclusion(leaf.hash, proof.index, 20, proof.path, root_at_20)
    assert not verify_inclusion(leaf.hash, proof.index, 20, proof.path, log.tree.root(25))


async def test_a_reloaded_log_goes_on_where_it_stopped(audited_store: SqlEventStore) -> None:
    clock = Clock()
    streams = [uuid4(), uuid4()]
    stored = await append_round_robin(audited_store, 300, streams)
    first = log_of(audited_store, clock)
    await first.load()
    await first.catch_up()
    again = log_of(audited_store, clock)
    await again.load()
    assert (again.size, again.position, again.tree.root()) == (300, first.position, first.tree.root())
    assert again.tree.levels == first.tree.levels
    assert [await again.leaf_index(stored[n].id) for n in (0, 255, 256, 299)] == [0, 255, 256, 299]
    with pytest.raises(LookupError):
        await again.leaf_index(uuid4())
    await audited_store.append(streams[0], "note", 150, [AuditNoted(text="later")])
    assert await again.catch_up() == 1
    leaves = await again.recorded_leaves()
    assert [leaf.position for leaf in leaves] == [e.position for e in stored] + [again.position]
    old, new = again.tree.root(300), again.tree.root(301)
    assert verify_consistency(300, 301, old, new, again.consistency_proof(300, 301))
    assert (await again.verify_stored()).ok


async def test_witness_cosignatures_are_kept(audited_store: SqlEventStore) -> None:
    clock = Clock()
    await append_round_robin(audited_store, 10, [uuid4()])
    log = log_of(audited_store, clock)
    await log.load()
    await log.catch_up()
    witness = Signer.generate("witness/sla-clock")
    [note] = await log.checkpoints()
    await log.add_cosignatures(cosign(note, witness), [witness.verifier()])
    [stored] = await log.checkpoints()
    assert open_note(stored, [KEY.verifier(), witness.verifier()]).signed_by == (ORIGIN, "witness/sla-clock")
    report = await log.verify_stored([TrustedKey(witness.verifier(), WITNESS)])
    assert report.ok
    forged = cosign(note.replace("\n10\n", "\n11\n"), witness)
    with pytest.raises(ValueError):
        await log.add_cosignatures(forged, [witness.verifier()])


async def _tamper(store: SqlEventStore, statement: str, params: dict[str, object]) -> None:
    """Rewrite the events table as its owner can: around the append-only triggers."""
    async with store.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
            await connection.execute(text(statement), params)
            await connection.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
        else:
            await connection.execute(text("DROP TRIGGER events_no_update"))
            await connection.execute(text("DROP TRIGGER events_no_delete"))
            await connection.execute(text(statement), params)


def _id_param(store: SqlEventStore, event_id: UUID) -> object:
    return event_id if store.engine.dialect.name == "postgresql" else event_id.hex


async def test_a_changed_byte_in_the_database_is_named(audited_store: SqlEventStore) -> None:
    clock = Clock()
    stored = await append_round_robin(audited_store, 20, [uuid4(), uuid4()])
    log = log_of(audited_store, clock)
    await log.load()
    await log.catch_up()
    target = stored[7]
    await _tamper(
        audited_store,
        "UPDATE events SET data = :data WHERE event_id = :id",
        {"data": '{"text": "origimal 7"}', "id": _id_param(audited_store, target.id)},
    )
    report = await log.verify_stored()
    assert [(f.kind, f.event_id, f.position) for f in report.findings] == [
        (CHANGED, str(target.id), target.position)
    ]


async def test_a_rehashed_event_in_the_database_is_named(audited_store: SqlEventStore) -> None:
    clock = Clock()
    stored = await append_round_robin(audited_store, 20, [uuid4(), uuid4()])
    log = log_of(audited_store, clock)
    await log.load()
    await log.catch_up()
    target = stored[-1]
    forged = target.model_copy(update={"data": {"text": "origimal"}})

    await _tamper(
        audited_store,
        "UPDATE events SET data = :data, hash = :hash WHERE event_id = :id",
        {
            "data": '{"text": "origimal"}',
            "hash": chain_hash(target.prev_hash, forged),
            "id": _id_param(audited_store, target.id),
        },
    )
    report = await log.verify_stored()
    assert [(f.kind, f.event_id) for f in report.findings] == [(REHASHED, str(target.id))]


async def test_a_deleted_last_event_is_named(audited_store: SqlEventStore) -> None:
    clock = Clock()
    stored = await append_round_robin(audited_store, 20, [uuid4(), uuid4()])
    log = log_of(audited_store, clock)
    await log.load()
    await log.catch_up()
    target = stored[-1]
    await _tamper(
        audited_store, "DELETE FROM events WHERE event_id = :id", {"id": _id_param(audited_store, target.id)}
    )
    report = await log.verify_stored()
    assert [(f.kind, f.event_id, f.position) for f in report.findings] == [
        (DELETED, str(target.id), target.position)
    ]


async def test_rewritten_tiles_are_refused_on_load(audited_store: SqlEventStore) -> None:
    clock = Clock()
    await append_round_robin(audited_store, 10, [uuid4()])
    log = log_of(audited_store, clock)
    await log.load()
    await log.catch_up()
    async with audited_store.engine.begin() as connection:
        await connection.execute(
            text("UPDATE audit_tiles SET hashes = :hashes WHERE level = 0"), {"hashes": bytes(32) * 10}
        )
    with pytest.raises(StoredLogMismatch, match="tiles are not the tree"):
        await log_of(audited_store, clock).load()
    async with audited_store.engine.begin() as connection:
        await connection.execute(text("DELETE FROM audit_tiles"))
    with pytest.raises(StoredLogMismatch, match="10 leaves recorded for a tree of 0"):
        await log_of(audited_store, clock).load()
    async with audited_store.engine.begin() as connection:
        await connection.execute(text("DELETE FROM audit_leaf_tiles"))
    with pytest.raises(StoredLogMismatch, match="signed at size 10"):
        await log_of(audited_store, clock).load()
