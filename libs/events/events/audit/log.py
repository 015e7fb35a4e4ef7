"""The audit log's core, without storage: leaves in global order, signed checkpoints, proofs.

A service's log folds its stored events (``read_all`` order) into a :class:`AuditLog`, asks
:class:`CheckpointPolicy` when a checkpoint is due (every N events or T seconds), signs it
with a key kept outside the database, and hands witnesses the note to cosign. Storage and
publication (tables, Kafka topic, endpoints) wrap this class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from events.audit.leaf import event_leaf_hash
from events.audit.merkle import MerkleTree
from events.audit.note import Checkpoint, Signer, sign_note
from events.envelope import Envelope


class RecordedLeaf(NamedTuple):
    """Leaf ``leaf_index`` of the tree: which event it is (as the log recorded it) and its hash."""

    leaf_index: int
    event_id: str
    position: int
    hash: bytes


@dataclass(frozen=True)
class InclusionProof:
    index: int
    size: int
    path: tuple[bytes, ...]


@dataclass
class CheckpointPolicy:
    """A checkpoint is due after ``every_events`` new leaves or ``every_seconds`` with any."""

    every_events: int = 1000
    every_seconds: float = 1.0

    def due(self, size: int, last_size: int, now: datetime, last_at: datetime | None) -> bool:
        if size <= last_size:
            return False
        if size - last_size >= self.every_events:
            return True
        return last_at is None or now - last_at >= timedelta(seconds=self.every_seconds)


class AuditLog:
    """An in-memory transparency log over events, named by ``origin`` (e.g. ``guichet/intake``)."""

    def __init__(self, origin: str, signer: Signer) -> None:
        self.origin = origin
        self.signer = signer
        self.tree = MerkleTree()
        self.leaves: list[RecordedLeaf] = []
        self._index_of: dict[str, int] = {}
        self.checkpoints: list[str] = []

    @property
    def size(self) -> int:
        return self.tree.size

    def append(self, envelope: Envelope) -> RecordedLeaf:
        if envelope.position is None:
            raise ValueError(f"event {envelope.id} is not stored")
        event_id = str(envelope.id)
        if event_id in self._index_of:
            raise ValueError(f"event {event_id} is already in the log")
        hash_ = event_leaf_hash(envelope)
        index = self.tree.append(hash_)
        leaf = RecordedLeaf(index, event_id, envelope.position, hash_)
        self.leaves.append(leaf)
        self._index_of[event_id] = index
        return leaf

    def extend(self, envelopes: Iterable[Envelope]) -> None:
        for envelope in envelopes:
            self.append(envelope)

    def checkpoint(self, size: int | None = None) -> Checkpoint:
        size = self.size if size is None else size
        return Checkpoint(self.origin, size, self.tree.root(size))

    def sign_checkpoint(self) -> str:
        """Sign the current tree head; the signed note is kept and returned (to publish and to
        hand witnesses, who add their signatures with :func:`events.audit.note.cosign`)."""
        note = sign_note(self.checkpoint().text(), self.signer)
        self.checkpoints.append(note)
        return note

    def index_of(self, event_id: str) -> int:
        return self._index_of[event_id]

    def inclusion_proof(self, event_id: str, size: int | None = None) -> InclusionProof:
        size = self.size if size is None else size
        index = self._index_of[event_id]
        return InclusionProof(index, size, tuple(self.tree.inclusion_proof(index, size)))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return self.tree.consistency_proof(old_size, new_size)
