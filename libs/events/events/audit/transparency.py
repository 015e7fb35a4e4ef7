"""A service's transparency log, kept in its own database beside the events it covers.

:class:`TransparencyLog` folds the store's events, in ``read_all``'s gap-safe order, into an
RFC 9162 Merkle tree. It persists the tree's hashes as tiles of 256 per level
(``audit_tiles``; level 0 holds the leaf hashes), which events the leaves of each level-0
tile are (``audit_leaf_tiles``: one row per 256 events, not one per event) and the
checkpoints it signs every N events or T seconds (``audit_checkpoints``). The signing key is
handed in (from a file or the environment: :meth:`events.audit.note.Signer.from_environment`)
and never stored. What the database holds can be rewritten by whoever owns it; what makes it
verifiable is the checkpoints published elsewhere and cosigned by witnesses.

One process per database should fold (the service's leader, as for the relay).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from events.audit.bundle import LOG, Bundle, TrustedKey, build_bundle
from events.audit.leaf_source import LeafPage, leaf_pages
from events.audit.log import CheckpointPolicy, InclusionProof, RecordedLeaf
from events.audit.merkle import HASH_SIZE, NODE_PREFIX, MerkleTree
from events.audit.note import Checkpoint, Signer, Verifier, open_note, parse_note, sign_note
from events.audit.verify import Report, verify_bundle
from events.db import reading
from events.store import SqlEventStore
from events.tables import audit_checkpoints, audit_leaf_tiles, audit_tiles
from events.tables import events as events_table

TILE_WIDTH = 256
TILE_BYTES = TILE_WIDTH * HASH_SIZE
_ID = 16
_POSITION = 8
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def extend_tree(tree: MerkleTree, leaf_hashes: bytes | bytearray) -> None:
    """Append leaf hashes (32 bytes each, end to end) to ``tree``, level by level: the same
    tree as appending them one by one, with one list comprehension of parent hashes per level."""
    levels = tree.levels
    levels[0] += leaf_hashes
    tree.size = len(levels[0]) // HASH_SIZE
    height = 0
    while True:
        below = levels[height]
        parents = len(below) // (2 * HASH_SIZE)
        if height + 1 == len(levels):
            if not parents:
                return
            levels.append(bytearray())
        above = levels[height + 1]
        have = len(above) // HASH_SIZE
        if have == parents:
            return
        above += b"".join(
            [
                sha256(NODE_PREFIX + below[i : i + 2 * HASH_SIZE]).digest()
                for i in range(have * 64, parents * 64, 64)
            ]
        )
        height += 1


async def _upsert(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, replacing those with the same primary key, in one statement."""
    if rows:
        await connection.execute(_upsert_statement(connection.dialect.name, table), rows)


@functools.cache
def _upsert_statement(dialect: str, table: Table) -> Any:
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(table)
    keys = [column.name for column in table.primary_key.columns]
    replaced = {
        column.name: statement.excluded[column.name] for column in table.columns if column.name not in keys
    }
    return statement.on_conflict_do_update(index_elements=keys, set_=replaced)


class StoredLogMismatch(Exception):
    """The stored tiles no longer give the root of the last signed checkpoint."""


class TransparencyLog:
    def __init__(
        self,
        store: SqlEventStore,
        *,
        origin: str,
        signer: Signer,
        policy: CheckpointPolicy | None = None,
        clock: Clock = utc_now,
        page_size: int = 5000,
    ) -> None:
        self.store = store
        self.origin = origin
        self.signer = signer
        self.policy = policy or CheckpointPolicy()
        self.clock = clock
        self.page_size = page_size
        self.tree = MerkleTree()
        self.position = 0
        """The position of the last event folded (``read_all`` resumes after it)."""
        self.checkpoint_size = 0
        self.checkpoint_at: datetime | None = None
        self._open_ids = bytearray()
        self._open_positions = bytearray()
        """The last level-0 tile's leaves while it is not full: 16-byte ids, 8-byte positions."""

    @property
    def size(self) -> int:
        return self.tree.size

    async def load(self) -> None:
        """Read the stored tree; :class:`StoredLogMismatch` if it does not give the last signed root."""
        async with reading(self.store.engine) as connection:
            tiles = await connection.execute(
                select(audit_tiles.c.level, audit_tiles.c.hashes).order_by(
                    audit_tiles.c.level, audit_tiles.c.tile_index
                )
            )
            levels: list[bytearray] = []
            for level, hashes in tiles:
                while len(levels) <= level:
                    levels.append(bytearray())
                levels[level] += hashes
            last = (
                await connection.execute(
                    select(audit_checkpoints.c.size, audit_checkpoints.c.root, audit_checkpoints.c.signed_at)
                    .order_by(audit_checkpoints.c.size.desc())
                    .limit(1)
                )
            ).first()
            # The upper levels are rebuilt from the leaf hashes and must be the stored ones.
            tree = MerkleTree.from_concatenated(bytes(levels[0]) if levels else b"")
            if levels and tree.levels != levels:
                raise StoredLogMismatch("the stored tiles are not the tree of the stored leaf hashes")
            open_tile = (
                await connection.execute(
                    select(
                        audit_leaf_tiles.c.tile_index,
                        audit_leaf_tiles.c.event_ids,
                        audit_leaf_tiles.c.positions,
                    )
                    .order_by(audit_leaf_tiles.c.tile_index.desc())
                    .limit(1)
                )
            ).first()
        ids, positions = bytearray(), bytearray()
        recorded = 0
        if open_tile is not None:
            ids, positions = bytearray(open_tile.event_ids), bytearray(open_tile.positions)
            recorded = open_tile.tile_index * TILE_WIDTH + len(positions) // _POSITION
        if recorded != tree.size:
            raise StoredLogMismatch(f"{recorded} leaves recorded for a tree of {tree.size}")
        position = int.from_bytes(positions[-_POSITION:]) if positions else 0
        if len(positions) == TILE_WIDTH * _POSITION:
            ids, positions = bytearray(), bytearray()
        if last is not None and (last.size > tree.size or tree.root(last.size) != last.root):
            raise StoredLogMismatch(f"the stored tree does not give the root signed at size {last.size}")
        self.tree, self.position = tree, position
        self._open_ids, self._open_positions = ids, positions
        if last is not None:
            signed_at = last.signed_at
            self.checkpoint_size = last.size
            self.checkpoint_at = signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)

    async def catch_up(self) -> int:
        """Fold every event stored since the last call; sign checkpoints as the policy says.
        Returns how many events were folded."""
        folded = 0
        async for page in leaf_pages(self.store, self.position, self.page_size):
            await self._fold(page)
            folded += len(page)
        if self.policy.due(self.size, self.checkpoint_size, self.clock(), self.checkpoint_at):
            async with self.store.engine.begin() as connection:
                await self._sign(connection, self.size)
        return folded

    async def _fold(self, page: LeafPage) -> None:
        """Add a page of leaves to the tree, store the tiles they changed and sign the
        checkpoints due every N events within it, in one transaction."""
        tree = self.tree
        size_before = tree.size
        counts = [len(level) // HASH_SIZE for level in tree.levels]
        extend_tree(tree, page.hashes)
        every = self.policy.every_events
        due = list(range(self.checkpoint_size + every, tree.size + 1, every)) if every > 0 else []
        ids = self._open_ids + page.event_ids
        positions = self._open_positions + page.position_bytes
        try:
            async with self.store.engine.begin() as connection:
                await self._write_leaf_tiles(connection, size_before // TILE_WIDTH, ids, positions)
                await self._write_tiles(connection, counts)
                for size in due:
                    await self._sign(connection, size)
        except BaseException:
            await self.load()  # the tree in memory went ahead of what was stored
            raise
        self.position = page.last_position
        kept = tree.size % TILE_WIDTH
        self._open_ids = ids[len(ids) - kept * _ID :] if kept else bytearray()
        self._open_positions = positions[len(positions) - kept * _POSITION :] if kept else bytearray()

    @staticmethod
    async def _write_leaf_tiles(
        connection: AsyncConnection, first: int, ids: bytearray, positions: bytearray
    ) -> None:
        """Level-0 tiles from ``first`` on: ``ids``/``positions`` start at that tile."""
        rows = []
        for offset in range(0, len(positions) // _POSITION, TILE_WIDTH):
            tile_positions = bytes(positions[offset * _POSITION : (offset + TILE_WIDTH) * _POSITION])
            values = struct.unpack(f">{len(tile_positions) // _POSITION}Q", tile_positions)
            rows.append(
                {
                    "tile_index": first + offset // TILE_WIDTH,
                    "event_ids": bytes(ids[offset * _ID : (offset + TILE_WIDTH) * _ID]),
                    "positions": tile_positions,
                    "min_position": min(values),
                    "max_position": max(values),
                }
            )
        await _upsert(connection, audit_leaf_tiles, rows)

    async def _write_tiles(self, connection: AsyncConnection, counts_before: list[int]) -> None:
        """The tiles of every level from the first one that changed (a partial tile is
        written again as it fills: one upsert for all levels)."""
        rows = []
        for height, level in enumerate(self.tree.levels):
            before = counts_before[height] if height < len(counts_before) else 0
            count = len(level) // HASH_SIZE
            if count == before:
                continue
            first, last = before // TILE_WIDTH, (count - 1) // TILE_WIDTH
            rows += [
                {
                    "level": height,
                    "tile_index": t,
                    "hashes": bytes(level[t * TILE_BYTES : (t + 1) * TILE_BYTES]),
                }
                for t in range(first, last + 1)
            ]
        await _upsert(connection, audit_tiles, rows)

    async def _sign(self, connection: AsyncConnection, size: int) -> str:
        checkpoint = Checkpoint(self.origin, size, self.tree.root(size))
        note = sign_note(checkpoint.text(), self.signer)
        now = self.clock()
        await connection.execute(
            insert(audit_checkpoints).values(size=size, root=checkpoint.root, note=note, signed_at=now)
        )
        self.checkpoint_size, self.checkpoint_at = size, now
        return note

    async def add_cosignatures(self, note: str, witnesses: Iterable[Verifier]) -> None:
        """Keep a witness's cosigned copy of one of our checkpoints: same text, more signatures,
        each witness signature verified."""
        parsed = parse_note(note)
        checkpoint = Checkpoint.parse(parsed.text)
        open_note(note, [self.signer.verifier(), *witnesses])
        async with self.store.engine.begin() as connection:
            stored = (
                await connection.execute(
                    select(audit_checkpoints.c.note).where(audit_checkpoints.c.size == checkpoint.size)
                )
            ).scalar_one()
            if parse_note(stored).text != parsed.text:
                raise ValueError(f"cosigned checkpoint of size {checkpoint.size} is not ours")
            await connection.execute(
                audit_checkpoints.update()
                .where(audit_checkpoints.c.size == checkpoint.size)
                .values(note=note)
            )

    async def checkpoints(self) -> list[str]:
        async with reading(self.store.engine) as connection:
            result = await connection.execute(
                select(audit_checkpoints.c.note).order_by(audit_checkpoints.c.size)
            )
            return list(result.scalars())

    async def leaf_index(self, event_id: UUID) -> int:
        """Where an event is in the tree: its position from the events table, then the
        level-0 tiles whose positions span it."""
        wanted = event_id.bytes
        async with reading(self.store.engine) as connection:
            position = (
                await connection.execute(
                    select(events_table.c.position).where(events_table.c.event_id == event_id)
                )
            ).scalar_one_or_none()
            tiles = await connection.execute(
                select(audit_leaf_tiles.c.tile_index, audit_leaf_tiles.c.event_ids).where(
                    audit_leaf_tiles.c.min_position <= (position or 0),
                    audit_leaf_tiles.c.max_position >= (position or 0),
                )
            )
            for tile_index, ids in tiles:
                for k in range(0, len(ids), _ID):
                    if ids[k : k + _ID] == wanted:
                        return int(tile_index) * TILE_WIDTH + k // _ID
        raise LookupError(f"event {event_id} is not in the log yet")

    async def inclusion_proof(self, event_id: UUID, size: int | None = None) -> InclusionProof:
        size = self.checkpoint_size if size is None else size
        index = await self.leaf_index(event_id)
        return InclusionProof(index, size, tuple(self.tree.inclusion_proof(index, size)))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return self.tree.consistency_proof(old_size, new_size)

    async def recorded_leaves(self) -> list[RecordedLeaf]:
        """The leaves as stored: events from the leaf tiles, hashes from the level-0 tiles."""
        async with reading(self.store.engine) as connection:
            result = await connection.execute(
                select(
                    audit_leaf_tiles.c.tile_index, audit_leaf_tiles.c.event_ids, audit_leaf_tiles.c.positions
                ).order_by(audit_leaf_tiles.c.tile_index)
            )
            tiles = result.all()
        hashes = self.tree.levels[0]
        leaves = []
        for tile_index, ids, positions in tiles:
            for k in range(len(positions) // _POSITION):
                index = tile_index * TILE_WIDTH + k
                if index >= self.size:
                    break
                leaves.append(
                    RecordedLeaf(
                        index,
                        str(UUID(bytes=bytes(ids[k * _ID : (k + 1) * _ID]))),
                        int.from_bytes(positions[k * _POSITION : (k + 1) * _POSITION]),
                        bytes(hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE]),
                    )
                )
        return leaves

    async def export_bundle(self, witnesses: Iterable[TrustedKey] = ()) -> Bundle:
        """Every stored event with the log's own leaves and signed checkpoints (whole-log
        bundle; per-request or per-period bundles come with the auditor endpoints)."""
        envelopes = [envelope async for page in self.store.iter_all(0, self.page_size) for envelope in page]
        keys = [TrustedKey(self.signer.verifier(), LOG), *witnesses]
        return build_bundle(
            envelopes,
            origin=self.origin,
            checkpoints=await self.checkpoints(),
            keys=keys,
            leaves=await self.recorded_leaves(),
        )

    async def verify_stored(self, witnesses: Iterable[TrustedKey] = ()) -> Report:
        """The stored events against the stored log and checkpoints (what a background
        verifier runs; the checkpoints it trusts should come from where they were published)."""
        return verify_bundle(await self.export_bundle(witnesses))
