"""The background verifier's incremental pass: what was signed since the last verified checkpoint.

A full verification (:meth:`events.audit.transparency.TransparencyLog.verify_stored`) reads
every stored event; run on every pass it costs the service O(n) each time. An incremental
pass checks only:

* the checkpoints signed since the last verified one: the log's signature, their root
  against the log's tree, and the consistency proof from the last verified checkpoint;
* the leaves they add, each against the event stored at the position the log recorded:
  present, the same event, its chain hash, its link to its stream's previous event (read from
  the store wherever it is), its leaf hash against the recorded one.

The events are fetched by their recorded positions rather than in ``read_all`` order, so a
deleted event is named as such instead of stopping the walk. :func:`check_leaves` checks any
range of leaves the same way: the service also re-checks a rolling window of older leaves on
each incremental pass, and re-reads the whole log every few passes
(:class:`events.audit.service.ServiceAudit`), so an edit to an event verified before is found
too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select, text

from events.audit.leaf import event_leaf_hash
from events.audit.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from events.audit.note import Checkpoint, open_note
from events.audit.transparency import TILE_WIDTH, TransparencyLog
from events.audit.verify import (
    BAD_SIGNATURE,
    BROKEN_LINK,
    CHANGED,
    DELETED,
    FORKED_CHECKPOINT,
    REHASHED,
    REORDERED,
    ROOT_MISMATCH,
    Finding,
    Report,
)
from events.db import is_postgres, reading
from events.envelope import Envelope
from events.integrity import chain_hash
from events.store import postgres as pg
from events.store.records import stored_envelope
from events.store.sql import sqlite_envelope
from events.tables import audit_checkpoints, audit_leaf_tiles

CHUNK = 2000
"""Leaves checked per round trip of events."""
_ID, _POSITION = 16, 8
_PG_COLUMNS = (
    "position, event_id, stream_id, stream_type, version, type, schema_version, time, "
    "recorded_at, data::text, metadata::text, pii::text, prev_hash, hash"
)
_SQLITE_COLUMNS = _PG_COLUMNS.replace("::text", "")
_PG_AT = f"SELECT {_PG_COLUMNS} FROM events WHERE position = ANY($1::bigint[])"
_PG_LINKS = (
    "SELECT stream_id::text, version, hash FROM events "
    "WHERE (stream_id, version) IN (SELECT * FROM unnest($1::uuid[], $2::int[]))"
)
_SQLITE_AT = text(f"SELECT {_SQLITE_COLUMNS} FROM events WHERE position IN :positions").bindparams(
    bindparam("positions", expanding=True)
)
_SQLITE_LINKS = "SELECT stream_id, version, hash FROM events WHERE (stream_id, version) IN"
_SQLITE_BATCH = 400


@dataclass
class VerifiedCheckpoint:
    """The last checkpoint whose leaves a pass verified against the stored events."""

    size: int = 0
    root: bytes = EMPTY_ROOT


@dataclass(frozen=True)
class RecordedRange:
    """Leaves ``start`` … ``start + len(positions) - 1`` as the log recorded them."""

    start: int
    event_ids: list[UUID]
    positions: list[int]
    hashes: list[bytes]


async def check_new_checkpoints(
    log: TransparencyLog, verified: VerifiedCheckpoint, report: Report
) -> VerifiedCheckpoint:
    """The checkpoints stored since ``verified``: signature, root against the log's tree,
    consistency from ``verified``. Returns the last one that holds (``verified`` if none)."""
    async with reading(log.store.engine) as connection:
        rows = (
            await connection.execute(
                select(audit_checkpoints.c.size, audit_checkpoints.c.note)
                .where(audit_checkpoints.c.size > verified.size)
                .order_by(audit_checkpoints.c.size)
            )
        ).all()
    report.checkpoints = len(rows)
    last = verified
    for size, note in rows:
        try:
            checkpoint = Checkpoint.parse(open_note(note, [log.signer.verifier()]).text)
        except ValueError as error:
            report.findings.append(Finding(BAD_SIGNATURE, str(error), checkpoint_size=size))
            continue
        if checkpoint.size != size or checkpoint.origin != log.origin:
            report.findings.append(
                Finding(
                    BAD_SIGNATURE, "the note is not this log's checkpoint of this size", checkpoint_size=size
                )
            )
            continue
        if size > log.size:
            report.findings.append(
                Finding(
                    DELETED,
                    f"a checkpoint signs {size} leaves, the log records {log.size}",
                    checkpoint_size=size,
                )
            )
            continue
        if log.tree.root(size) != checkpoint.root:
            report.findings.append(
                Finding(ROOT_MISMATCH, "the log's leaves do not give the signed root", checkpoint_size=size)
            )
            continue
        proof = log.consistency_proof(last.size, size) if last.size else []
        if last.size and not verify_consistency(last.size, size, last.root, checkpoint.root, proof):
            report.findings.append(
                Finding(FORKED_CHECKPOINT, f"no consistency from size {last.size}", checkpoint_size=size)
            )
            continue
        report.verified_checkpoints += 1
        last = VerifiedCheckpoint(size, checkpoint.root)
    return last


async def recorded_range(log: TransparencyLog, start: int, end: int) -> RecordedRange:
    """Leaves ``start`` … ``end - 1``: ids and positions from the stored leaf tiles, hashes
    from the log's tree."""
    async with reading(log.store.engine) as connection:
        tiles = (
            await connection.execute(
                select(
                    audit_leaf_tiles.c.tile_index, audit_leaf_tiles.c.event_ids, audit_leaf_tiles.c.positions
                )
                .where(
                    audit_leaf_tiles.c.tile_index >= start // TILE_WIDTH,
                    audit_leaf_tiles.c.tile_index <= (end - 1) // TILE_WIDTH,
                )
                .order_by(audit_leaf_tiles.c.tile_index)
            )
        ).all()
    ids, positions = bytearray(), bytearray()
    first_tile = tiles[0].tile_index if tiles else start // TILE_WIDTH
    for _, tile_ids, tile_positions in tiles:
        ids += tile_ids
        positions += tile_positions
    skip = start - first_tile * TILE_WIDTH
    count = max(0, min(end - start, len(positions) // _POSITION - skip))
    level = log.tree.levels[0]
    return RecordedRange(
        start,
        [UUID(bytes=bytes(ids[(skip + k) * _ID : (skip + k + 1) * _ID])) for k in range(count)],
        [
            int.from_bytes(positions[(skip + k) * _POSITION : (skip + k + 1) * _POSITION])
            for k in range(count)
        ],
        [bytes(level[(start + k) * HASH_SIZE : (start + k + 1) * HASH_SIZE]) for k in range(count)],
    )


async def check_leaves(log: TransparencyLog, start: int, end: int, report: Report) -> None:
    """Leaves ``start`` … ``end - 1`` against the events stored at their recorded positions."""
    for chunk_start in range(start, end, CHUNK):
        chunk_end = min(end, chunk_start + CHUNK)
        recorded = await recorded_range(log, chunk_start, chunk_end)
        if len(recorded.positions) < chunk_end - chunk_start:
            report.findings.append(
                Finding(
                    DELETED,
                    f"the log records {len(recorded.positions)} of leaves {chunk_start}..{chunk_end - 1}",
                    leaf_index=chunk_start + len(recorded.positions),
                )
            )
        stored = await _events_at(log, recorded.positions)
        links = await _previous_hashes(log, stored.values())
        for offset, (event_id, position, leaf) in enumerate(
            zip(recorded.event_ids, recorded.positions, recorded.hashes, strict=True)
        ):
            report.events += 1
            _check_leaf(
                report, chunk_start + offset, str(event_id), position, leaf, stored.get(position), links
            )


def _check_leaf(
    report: Report,
    index: int,
    event_id: str,
    position: int,
    leaf: bytes,
    envelope: Envelope | None,
    links: dict[tuple[str, int], str],
) -> None:
    findings = report.findings
    if envelope is None:
        findings.append(
            Finding(
                DELETED,
                "a signed leaf has no event (id and position as the log recorded them)",
                event_id=event_id,
                position=position,
                leaf_index=index,
            )
        )
        return
    if str(envelope.id) != event_id:
        findings.append(
            Finding(
                REORDERED,
                f"another event is at the position the log recorded for event {event_id}",
                event_id=str(envelope.id),
                position=position,
                leaf_index=index,
            )
        )
        return
    content_ok = chain_hash(envelope.prev_hash, envelope) == envelope.hash
    if not content_ok:
        findings.append(
            Finding(
                CHANGED,
                "content does not match its hash",
                event_id=event_id,
                position=position,
                leaf_index=index,
            )
        )
    expected = links.get((str(envelope.stream_id), envelope.stream_version - 1))
    if envelope.prev_hash != expected:
        findings.append(
            Finding(
                BROKEN_LINK,
                f"stream {envelope.stream_id} version {envelope.stream_version} does not follow "
                f"version {envelope.stream_version - 1}",
                event_id=event_id,
                position=position,
                leaf_index=index,
            )
        )
    if content_ok and event_leaf_hash(envelope) != leaf:
        findings.append(
            Finding(
                REHASHED,
                "chain consistent but the event differs from its signed leaf",
                event_id=event_id,
                position=position,
                leaf_index=index,
            )
        )


async def _events_at(log: TransparencyLog, positions: list[int]) -> dict[int, Envelope]:
    """The stored events at these positions, as stored (payloads not revealed)."""
    source = log.store.source
    if not positions:
        return {}
    async with reading(log.store.engine) as connection:
        if is_postgres(log.store.engine):
            native = await pg.driver(connection)
            records = await native.fetch(_PG_AT, positions)
            envelopes = [stored_envelope(source, *record) for record in records]
        else:
            envelopes = []
            for start in range(0, len(positions), _SQLITE_BATCH):
                batch = positions[start : start + _SQLITE_BATCH]
                rows = await connection.execute(_SQLITE_AT, {"positions": batch})
                envelopes += [sqlite_envelope(source, row) for row in rows]
    return {envelope.position or 0: envelope for envelope in envelopes}


async def _previous_hashes(log: TransparencyLog, envelopes: Any) -> dict[tuple[str, int], str]:
    """``(stream id, version) -> hash`` of each event's predecessor in its stream (none for
    version 1, or when it is not stored)."""
    known = {(str(e.stream_id), e.stream_version): e.hash or "" for e in envelopes}
    wanted = sorted({(s, v - 1) for s, v in known if v > 1 and (s, v - 1) not in known})
    links = dict(known)
    if not wanted:
        return links
    async with reading(log.store.engine) as connection:
        if is_postgres(log.store.engine):
            native = await pg.driver(connection)
            rows: Sequence[Any] = await native.fetch(
                _PG_LINKS, [UUID(s) for s, _ in wanted], [v for _, v in wanted]
            )
            links.update({(stream, version): hash_ for stream, version, hash_ in rows})
        else:
            for start in range(0, len(wanted), _SQLITE_BATCH):
                batch = wanted[start : start + _SQLITE_BATCH]
                pairs = ", ".join(f"(:s{n}, :v{n})" for n in range(len(batch)))
                params: dict[str, Any] = {}
                for n, (stream, version) in enumerate(batch):
                    params[f"s{n}"], params[f"v{n}"] = UUID(stream).hex, version
                result = await connection.execute(
                    text(f"{_SQLITE_LINKS} (VALUES {pairs})"),
                    params,
                )
                links.update({(str(UUID(stream)), version): hash_ for stream, version, hash_ in result})
    return links
