"""The service's background verifier, pass by pass (explicit steps, no sleeping), on SQLite and
PostgreSQL: an incremental pass reads only what was signed since the last verified checkpoint
and names a changed, re-hashed, deleted or swapped event among it; an edit to an older event
is found by the full pass that comes every few passes; the alarm is raised once per finding
(metric, ``IntegrityAlarmRaised`` naming the events) and cleared by a clean full pass only."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from prometheus_client import REGISTRY as METRICS
from sqlalchemy import text

from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.audit.verify import BROKEN_LINK, CHANGED, DELETED, REHASHED, REORDERED
from events.catalogue import DomainEvent
from events.catalogue.audit import IntegrityAlarmRaised
from events.envelope import Envelope
from events.integrity import chain_hash
from events.store import SqlEventStore

ORIGIN = "guichet/incremental"
KEY = Signer.generate(ORIGIN)


class LedgerNoted(DomainEvent, type="test.LedgerNoted"):
    text: str


def fixed_clock() -> datetime:
    return datetime(2026, 3, 1, 9, tzinfo=UTC)


def audit_of(store: SqlEventStore, full_every: int = 3, window: int = 0) -> ServiceAudit:
    return ServiceAudit(
        store,
        origin=ORIGIN,
        signer=KEY,
        every_events=10,
        every_seconds=3600,
        clock=fixed_clock,
        full_every=full_every,
        window=window,
    )


async def append(store: SqlEventStore, count: int, streams: list[UUID]) -> list[Envelope]:
    stored: list[Envelope] = []
    for n in range(count):
        stream = streams[n % len(streams)]
        version = len(await store.read_stream(stream))
        stored += await store.append(stream, "ledger", version, [LedgerNoted(text=f"original {n}")])
    return stored


async def tamper(store: SqlEventStore, *statements: tuple[str, dict[str, object]]) -> None:
    """Rewrite the events table as its owner can: around the append-only triggers."""
    async with store.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        else:
            await connection.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
            await connection.execute(text("DROP TRIGGER IF EXISTS events_no_delete"))
        for statement, params in statements:
            await connection.execute(text(statement), params)
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))


def param(store: SqlEventStore, event_id: UUID) -> object:
    return event_id if store.engine.dialect.name == "postgresql" else event_id.hex


async def alarms(store: SqlEventStore) -> list[IntegrityAlarmRaised]:
    found = [e.decode() for e in await store.read_all(0, 10_000) if e.type == IntegrityAlarmRaised.event_type]
    return [event for event in found if isinstance(event, IntegrityAlarmRaised)]


def alarm_metric() -> float | None:
    return METRICS.get_sample_value("guichet_audit_integrity_alarm", {"origin": ORIGIN})


async def test_an_incremental_pass_checks_only_what_was_signed_since_the_last(
    audited_store: SqlEventStore,
) -> None:
    audit = audit_of(audited_store)
    streams = [uuid4(), uuid4(), uuid4()]
    await append(audited_store, 25, streams)
    await audit.step()
    first = await audit.verify_pass()  # the first pass reads the whole log
    assert first is not None and first.ok
    assert first.events == len(await audited_store.read_all(0, 10_000)) > audit.log.size
    verified = audit.verified.size
    assert verified == audit.log.checkpoint_size > 0

    await append(audited_store, 30, streams)
    await audit.step()
    second = await audit.verify_pass()
    assert second is not None and second.ok
    assert second.events == audit.log.checkpoint_size - verified  # the new leaves only
    assert audit.verified.size == audit.log.checkpoint_size
    assert audit.verified.root == audit.log.tree.root(audit.verified.size)
    nothing_new = await audit.verify_pass()
    assert nothing_new is not None and nothing_new.ok and nothing_new.events == 0
    assert audit.passes == 3


async def test_tampering_with_new_events_is_named_by_the_next_incremental_pass(
    audited_store: SqlEventStore,
) -> None:
    audit = audit_of(audited_store, full_every=100)
    streams = [uuid4(), uuid4()]
    await append(audited_store, 12, streams)
    await audit.step()
    assert (await audit.verify_pass()) is not None and not audit.alarm.raised
    verified = audit.verified.size
    stored = await append(audited_store, 24, streams)
    await audit.step()
    changed, rehashed, deleted, swapped = stored[3], stored[6], stored[9], (stored[12], stored[13])
    forged = rehashed.model_copy(update={"data": {"text": "origimal"}})
    await tamper(
        audited_store,
        (
            "UPDATE events SET data = :data WHERE event_id = :id",
            {"data": '{"text": "origimal 3"}', "id": param(audited_store, changed.id)},
        ),
        (
            "UPDATE events SET data = :data, hash = :hash WHERE event_id = :id",
            {
                "data": '{"text": "origimal"}',
                "hash": chain_hash(rehashed.prev_hash, forged),
                "id": param(audited_store, rehashed.id),
            },
        ),
        ("DELETE FROM events WHERE event_id = :id", {"id": param(audited_store, deleted.id)}),
        ("UPDATE events SET position = -1 WHERE position = :p", {"p": swapped[0].position}),
        (
            "UPDATE events SET position = :a WHERE position = :b",
            {"a": swapped[0].position, "b": swapped[1].position},
        ),
        ("UPDATE events SET position = :b WHERE position = -1", {"b": swapped[1].position}),
    )
    report = await audit.verify_pass()
    assert report is not None and not report.ok
    named = {(f.kind, f.event_id) for f in report.findings}
    assert (CHANGED, str(changed.id)) in named
    assert (REHASHED, str(rehashed.id)) in named
    assert (DELETED, str(deleted.id)) in named
    assert {(REORDERED, str(swapped[0].id)), (REORDERED, str(swapped[1].id))} <= named
    # The event after the re-hashed one in its stream no longer links to it.
    follower = stored[8]
    assert (BROKEN_LINK, str(follower.id)) in named
    assert audit.verified.size == verified  # not moved on past what does not verify
    assert audit.alarm.raised and alarm_metric() == 1
    assert {str(changed.id), str(rehashed.id), str(deleted.id)} <= set(audit.alarm.event_ids)
    [alarm] = await alarms(audited_store)
    assert str(deleted.id) in alarm.event_ids
    again = await audit.verify_pass()
    assert again is not None and {(f.kind, f.event_id) for f in again.findings} == named
    assert len(await alarms(audited_store)) == 1  # raised once per finding


async def test_an_edit_to_an_old_event_is_found_by_the_next_full_pass(audited_store: SqlEventStore) -> None:
    audit = audit_of(audited_store, full_every=3)
    streams = [uuid4(), uuid4()]
    stored = await append(audited_store, 20, streams)
    await audit.step()
    assert (await audit.verify_pass()) is not None  # pass 1: full
    old = stored[2]
    await tamper(
        audited_store,
        (
            "UPDATE events SET data = :data WHERE event_id = :id",
            {"data": '{"text": "origimal 2"}', "id": param(audited_store, old.id)},
        ),
    )
    await append(audited_store, 10, streams)
    await audit.step()
    incremental = await audit.verify_pass()  # pass 2: only the new leaves
    assert incremental is not None and incremental.ok and not audit.alarm.raised
    assert (await audit.verify_pass()) is not None  # pass 3: incremental, nothing new
    assert not audit.alarm.raised
    full = await audit.verify_pass()  # pass 4: full
    assert full is not None
    assert [(f.kind, f.event_id) for f in full.findings] == [(CHANGED, str(old.id))]
    assert audit.alarm.raised and audit.alarm.event_ids == [str(old.id)] and alarm_metric() == 1
    [alarm] = await alarms(audited_store)
    assert alarm.event_ids == [str(old.id)]
    # An incremental pass that finds nothing new does not clear it; a clean full pass does.
    await tamper(
        audited_store,
        (
            "UPDATE events SET data = :data WHERE event_id = :id",
            {"data": '{"text": "original 2"}', "id": param(audited_store, old.id)},
        ),
    )
    assert (await audit.verify_pass()) is not None and audit.alarm.raised
    assert (await audit.verify_pass()) is not None and audit.alarm.raised
    cleared = await audit.verify_pass()
    assert cleared is not None and cleared.ok and not audit.alarm.raised and alarm_metric() == 0


async def test_a_rolling_window_finds_an_old_edit_between_full_passes(audited_store: SqlEventStore) -> None:
    audit = audit_of(audited_store, full_every=100, window=8)
    streams = [uuid4(), uuid4()]
    stored = await append(audited_store, 20, streams)
    await audit.step()
    assert (await audit.verify_pass()) is not None  # pass 1: full
    verified = audit.verified.size
    assert verified >= 20
    old = stored[12]
    await tamper(
        audited_store,
        (
            "UPDATE events SET data = :data WHERE event_id = :id",
            {"data": '{"text": "origimal 12"}', "id": param(audited_store, old.id)},
        ),
    )
    await append(audited_store, 10, streams)
    await audit.step()
    second = await audit.verify_pass()  # new leaves, then old leaves 0..7
    assert second is not None and second.ok and not audit.alarm.raised
    assert second.events == audit.verified.size - verified + 8
    third = await audit.verify_pass()  # nothing new, old leaves 8..15
    assert third is not None and third.events == 8
    assert [(f.kind, f.event_id, f.leaf_index) for f in third.findings] == [(CHANGED, str(old.id), 12)]
    assert audit.alarm.raised and audit.alarm.event_ids == [str(old.id)] and alarm_metric() == 1
    assert audit.window_start == 16
