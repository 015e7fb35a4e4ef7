"""The audit bundle: everything an auditor needs to check a log offline, in one JSON-lines file.

One JSON object per line, told apart by ``kind``, in this order:

* ``header``: ``format`` (``guichet-audit-bundle/1``), ``origin``, ``leaf_format``;
* ``key``: a trusted public key as a note verifier key text, with its ``role`` (``log`` or
  ``witness``);
* ``checkpoint``: a signed note (``note``), cosignatures included;
* ``consistency``: a consistency proof between two checkpoint sizes (base64 hashes);
* ``leaves``: up to 256 consecutive leaves as the log recorded them (a tile): ``start``,
  ``hashes`` (base64 of the 32-byte hashes end to end) and ``events`` (``[event id,
  position]`` per leaf);
* ``event``: one stored event, in the store's global order (:func:`events.audit.leaf.event_record`).

A directory holding ``bundle.jsonl`` is read the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from events.audit.leaf import LEAF_FORMAT, event_record, record_leaf_hash
from events.audit.log import RecordedLeaf
from events.audit.merkle import HASH_SIZE, MerkleTree
from events.audit.note import Checkpoint, Verifier, parse_note
from events.envelope import Envelope

BUNDLE_FORMAT = "guichet-audit-bundle/1"
BUNDLE_FILE = "bundle.jsonl"
TILE = 256
LOG = "log"
WITNESS = "witness"


@dataclass(frozen=True)
class TrustedKey:
    verifier: Verifier
    role: str = LOG


@dataclass(frozen=True)
class ConsistencyRecord:
    old_size: int
    new_size: int
    proof: tuple[bytes, ...]


@dataclass
class Bundle:
    origin: str
    keys: list[TrustedKey] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    consistency: list[ConsistencyRecord] = field(default_factory=list)
    leaves: list[RecordedLeaf] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> Iterator[bytes]:
        yield _line(
            {"kind": "header", "format": BUNDLE_FORMAT, "origin": self.origin, "leaf_format": LEAF_FORMAT}
        )
        for key in self.keys:
            yield _line({"kind": "key", "key": key.verifier.text(), "role": key.role})
        for note in self.checkpoints:
            yield _line({"kind": "checkpoint", "note": note})
        for record in self.consistency:
            yield _line(
                {
                    "kind": "consistency",
                    "old_size": record.old_size,
                    "new_size": record.new_size,
                    "proof": [_b64(hash_) for hash_ in record.proof],
                }
            )
        for start in range(0, len(self.leaves), TILE):
            tile = self.leaves[start : start + TILE]
            yield _line(
                {
                    "kind": "leaves",
                    "start": start,
                    "hashes": _b64(b"".join(leaf.hash for leaf in tile)),
                    "events": [[leaf.event_id, leaf.position] for leaf in tile],
                }
            )
        for event in self.events:
            yield _line({"kind": "event", **event})

    def write(self, path: str | Path) -> Path:
        target = Path(path)
        if target.is_dir():
            target = target / BUNDLE_FILE
        with target.open("wb") as out:
            out.writelines(self.lines())
        return target

    @classmethod
    def read(cls, path: str | Path) -> Bundle:
        source = Path(path)
        if source.is_dir():
            source = source / BUNDLE_FILE
        with source.open("rb") as lines:
            return cls.parse(lines)

    @classmethod
    def parse(cls, lines: Iterable[bytes]) -> Bundle:
        """Read bundle lines; ``ValueError`` naming the line when one is not understood."""
        bundle: Bundle | None = None
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
                kind = record.pop("kind")
                if bundle is None:
                    if kind != "header" or record.get("format") != BUNDLE_FORMAT:
                        raise ValueError(f"not a {BUNDLE_FORMAT} bundle")
                    if record.get("leaf_format") != LEAF_FORMAT:
                        raise ValueError(f"unknown leaf format {record.get('leaf_format')!r}")
                    bundle = cls(origin=record["origin"])
                elif kind == "event":
                    bundle.events.append(record)
                elif kind == "leaves":
                    bundle.leaves.extend(_leaves(record))
                elif kind == "key":
                    bundle.keys.append(TrustedKey(Verifier.from_text(record["key"]), record["role"]))
                elif kind == "checkpoint":
                    bundle.checkpoints.append(record["note"])
                elif kind == "consistency":
                    proof = tuple(base64.b64decode(h) for h in record["proof"])
                    bundle.consistency.append(
                        ConsistencyRecord(record["old_size"], record["new_size"], proof)
                    )
                else:
                    raise ValueError(f"unknown record kind {kind!r}")
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"bundle line {number}: {error}") from error
        if bundle is None:
            raise ValueError("empty bundle")
        return bundle


def _leaves(record: dict[str, Any]) -> list[RecordedLeaf]:
    start = record["start"]
    hashes = base64.b64decode(record["hashes"])
    events = record["events"]
    if len(hashes) != HASH_SIZE * len(events):
        raise ValueError("a leaves record has one hash per event")
    return [
        RecordedLeaf(start + i, event_id, position, hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE])
        for i, (event_id, position) in enumerate(events)
    ]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _line(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record) + b"\n"


def build_bundle(
    envelopes: Iterable[Envelope],
    *,
    origin: str,
    checkpoints: Iterable[str],
    keys: Iterable[TrustedKey],
    leaves: list[RecordedLeaf] | None = None,
) -> Bundle:
    """A bundle of stored events (in global order) with the log's signed checkpoints.

    ``leaves`` are the log's recorded leaves (its tiles); without them they are computed from
    the events given, which is right only when those events are the log's own. Consistency
    proofs are added between successive checkpoint sizes the leaves cover.
    """
    events = [event_record(envelope) for envelope in envelopes]
    if leaves is None:
        leaves = [
            RecordedLeaf(index, event["id"], event["position"], record_leaf_hash(event))
            for index, event in enumerate(events)
        ]
    notes = list(checkpoints)
    tree = MerkleTree(leaf.hash for leaf in leaves)
    sizes = sorted({Checkpoint.parse(parse_note(note).text).size for note in notes})
    sizes = [size for size in sizes if 0 < size <= tree.size]
    consistency = [
        ConsistencyRecord(old, new, tuple(tree.consistency_proof(old, new)))
        for old, new in zip(sizes, sizes[1:], strict=False)
    ]
    return Bundle(origin, list(keys), notes, consistency, leaves, events)
