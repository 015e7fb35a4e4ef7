"""The audit bundle: everything an auditor needs to check a log offline, in one file.

Format ``guichet-audit-bundle/2``, one record per line. First JSON objects told apart by
``kind``, in this order:

* ``header``: ``format``, ``origin``, ``leaf_format`` (``guichet-event-leaf/1``);
* ``key``: a trusted public key as a note verifier key text, with its ``role`` (``log`` or
  ``witness``);
* ``checkpoint``: a signed note (``note``), cosignatures included;
* ``consistency``: a consistency proof between two checkpoint sizes (base64 hashes);
* ``leaves``: up to 256 consecutive leaves as the log recorded them (a tile): ``start``,
  ``hashes`` (base64 of the 32-byte hashes end to end), and which event each leaf is as the
  log recorded it: ``ids`` (base64 of the 16-byte event ids) and ``positions`` (base64 of
  8-byte big-endian positions), read only to name a finding;
* ``events``: nothing else; every line after it is one stored event, in the store's global
  order.

An **event line** is two byte strings separated by one tab::

    <leaf bytes> TAB <body bytes>

the exact bytes each hash covers: the leaf hash is ``SHA-256(0x00 ‖ leaf bytes)``
(:mod:`events.audit.leaf`), the chain hash ``SHA-256(prev_hash ‖ body bytes)``
(:mod:`events.integrity`). Both are canonical JSON objects (no whitespace, so no tab or
newline inside), readable as they are: ``jq -R 'split("\\t") | map(fromjson)'``. The leaf
names the event (id, position, ``recorded_at``, source, stream, version, type, ``prev_hash``,
``hash``); the body holds its content (payload, metadata, personal-data marker, schema
version, stream type, ``time``) and repeats its id, type, stream and version, which must
agree with the leaf's. What an auditor reads is therefore what was hashed: the verifier
hashes those bytes verbatim and reads the event from nothing else (:class:`ReadEvent`).

A **scoped bundle** holds the events of some streams or of a period rather than the whole
log: its header has a ``scope`` (:class:`Scope`), it has no ``leaves`` records, and one
``inclusion`` record per signed event (``event_id``, ``leaf_index``, ``tree_size``,
``proof``: the RFC 9162 audit path, base64) into a checkpoint it carries, with consistency
proofs between its checkpoints. It proves less than the whole log: see
:func:`events.audit.verify.verify_scoped`.

A directory holding ``bundle.jsonl`` is read the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

import msgspec
import orjson

from events.audit.leaf import LEAF_FORMAT, event_record, leaf_bytes, record_leaf_hash
from events.audit.log import RecordedLeaf
from events.audit.merkle import HASH_SIZE, MerkleTree
from events.audit.note import Checkpoint, Verifier, parse_note
from events.envelope import Envelope
from events.integrity import canonical_body

BUNDLE_FORMAT = "guichet-audit-bundle/2"
BUNDLE_FILE = "bundle.jsonl"
EVENTS_MARKER = b'{"kind":"events"}'
"""The line after which every line is an event line."""
ID_SIZE = 16
POSITION_SIZE = 8
TAB = b"\t"
TILE = 256
LOG = "log"
WITNESS = "witness"
SHARED_FIELDS = ("id", "type", "stream_id", "stream_version")
"""What the leaf and the body of one event both state (and must agree on)."""
READ_FIELDS = (*SHARED_FIELDS, "position", "prev_hash", "hash")
"""The leaf's fields the verifier reads (the others are only hashed)."""


@dataclass(frozen=True)
class TrustedKey:
    verifier: Verifier
    role: str = LOG


@dataclass(frozen=True)
class ConsistencyRecord:
    old_size: int
    new_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class InclusionRecord:
    """That the leaf of ``event_id`` is leaf ``leaf_index`` of the tree of ``tree_size``."""

    event_id: str
    leaf_index: int
    tree_size: int
    proof: tuple[bytes, ...]


STREAMS = "streams"
PERIOD = "period"


@dataclass(frozen=True)
class Scope:
    """What a scoped bundle holds: every event of ``streams`` (kind ``streams``), or every
    event recorded in ``[since, until)`` (kind ``period``): then ``leaves``, the first and last
    leaf index of the period, and the bundle holds every leaf between them."""

    kind: str
    streams: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    leaves: tuple[int, int] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "streams": list(self.streams),
            "since": self.since,
            "until": self.until,
            "leaves": list(self.leaves) if self.leaves else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scope:
        if data["kind"] not in (STREAMS, PERIOD):
            raise ValueError(f"unknown scope {data['kind']!r}")
        leaves = data.get("leaves")
        return cls(
            data["kind"],
            tuple(str(stream) for stream in data.get("streams") or ()),
            data.get("since"),
            data.get("until"),
            (int(leaves[0]), int(leaves[1])) if leaves else None,
        )

    def describe(self) -> str:
        if self.kind == STREAMS:
            return f"streams {', '.join(self.streams)}"
        held = f", leaves {self.leaves[0]}..{self.leaves[1]}" if self.leaves else ""
        return f"period [{self.since}, {self.until}){held}"


class EventNames(msgspec.Struct):
    """What the body of an event line states about its event (and must agree with the leaf
    on): read without building the rest of the body, which is still checked to be JSON."""

    id: Any
    type: Any
    stream_id: Any
    stream_version: Any


class LeafFields(msgspec.Struct, forbid_unknown_fields=True):
    """Leaf bytes as the fast verifier reads them: every field of ``guichet-event-leaf/1``
    with its type, and nothing else (a leaf that does not read so goes to the exact verifier)."""

    format: str
    hash: str
    id: str
    position: int
    prev_hash: str | None
    recorded_at: str
    source: str
    stream_id: str
    stream_version: int
    type: str


read_names = msgspec.json.Decoder(EventNames).decode
read_leaf = msgspec.json.Decoder(LeafFields).decode


def body_names(raw: bytes) -> EventNames | None:
    """What a body states about its event; None when it is not a UTF-8 JSON object stating
    its id, type, stream and version. The one rule both verifiers apply to a body."""
    try:
        names = read_names(raw)
    except msgspec.DecodeError:
        return None
    return names if raw.isascii() or _is_utf8(raw) else None


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-8 throughout (the JSON reader checks only the strings it keeps)."""
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


class ReadEvent(dict[str, Any]):
    """An event read from an event line: the record its bytes read as (the fields of
    :func:`events.audit.leaf.event_record`), with the bytes themselves.

    The verifier hashes :attr:`leaf_bytes` and :attr:`body_bytes`, and writing the bundle
    writes them back unchanged: the record is a view of them, not to be edited (edit a
    record of :func:`build_bundle` instead). :attr:`problem` says why the line does not read
    as one event (then the record holds what could be read: nothing when the leaf does not
    name the event)."""

    __slots__ = ("leaf_bytes", "body_bytes", "problem")

    def __init__(self, line: bytes) -> None:
        super().__init__()
        parts = line.split(TAB)
        self.leaf_bytes = parts[0]
        self.body_bytes = TAB.join(parts[1:])
        leaf = _object(self.leaf_bytes)
        body = _object(self.body_bytes)
        self.problem: str | None = _problem(len(parts), leaf, body_names(self.body_bytes))
        if leaf is not None and _names_the_event(leaf):
            self.update(leaf)
            self.pop("format", None)
            if body is not None:
                self.update((name, value) for name, value in body.items() if name not in self)


def _names_the_event(leaf: dict[str, Any]) -> bool:
    return (
        all(name in leaf for name in READ_FIELDS)
        and type(leaf["stream_id"]) is str
        and type(leaf["stream_version"]) is int
    )


def _problem(parts: int, leaf: dict[str, Any] | None, names: EventNames | None) -> str | None:
    """Why an event line does not read as one event (None: it does)."""
    if parts != 2:
        return "not a leaf and a body separated by one tab"
    if leaf is None or not _names_the_event(leaf):
        return "the leaf is not a JSON object naming the event"
    if names is None:
        return "the body is not a JSON object naming the event"
    disagree = [name for name in SHARED_FIELDS if getattr(names, name) != leaf[name]]
    return f"its leaf and its body disagree on {', '.join(disagree)}" if disagree else None


def split_lines(data: bytes) -> list[bytes]:
    """Lines as :meth:`Bundle.parse` reads them: split at ``\\n`` only, one ``\\r`` before it
    dropped (a bundle whose line ends were turned into CRLF reads the same)."""
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if b"\r" not in data:
        return lines
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def _without_line_end(line: bytes) -> bytes:
    line = line[:-1] if line.endswith(b"\n") else line
    return line[:-1] if line.endswith(b"\r") else line


def _object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def record_body(record: dict[str, Any]) -> bytes:
    """The bytes the chain hash covers (after ``prev_hash``) for an event record."""
    return canonical_body(
        event_id=record["id"],
        type_=record["type"],
        schema_version=record["schema_version"],
        stream_id=record["stream_id"],
        stream_type=record["stream_type"],
        stream_version=record["stream_version"],
        time=record["time"],
        data=record["data"],
        metadata=record["metadata"],
        pii=record["pii"],
    )


def body_of(event: dict[str, Any]) -> bytes:
    """The body bytes of an event: as read for a :class:`ReadEvent`, serialised otherwise."""
    return event.body_bytes if isinstance(event, ReadEvent) else record_body(event)


def leaf_of(event: dict[str, Any]) -> bytes:
    """The leaf bytes of an event: as read for a :class:`ReadEvent`, serialised otherwise."""
    return event.leaf_bytes if isinstance(event, ReadEvent) else leaf_bytes(event)


def event_line(event: dict[str, Any]) -> bytes:
    return leaf_of(event) + TAB + body_of(event) + b"\n"


@dataclass
class Bundle:
    origin: str
    keys: list[TrustedKey] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    consistency: list[ConsistencyRecord] = field(default_factory=list)
    leaves: list[RecordedLeaf] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    """Event records in the store's global order (:class:`ReadEvent` when read from a file)."""
    tiles: list[LeafTile] = field(default_factory=list, repr=False)
    """Leaves read but not yet in :attr:`leaves` (see :meth:`parse`)."""
    scope: Scope | None = None
    """None: the whole log."""
    inclusions: list[InclusionRecord] = field(default_factory=list)

    def named_leaves(self) -> list[RecordedLeaf]:
        """:attr:`leaves`, with those of :attr:`tiles` added first."""
        if self.tiles:
            for tile in self.tiles:
                self.leaves.extend(tile.leaves())
            self.tiles = []
        return self.leaves

    def leaf_hashes(self) -> bytes:
        """The recorded leaf hashes end to end (without building a :class:`RecordedLeaf` each)."""
        return b"".join([leaf.hash for leaf in self.leaves] + [tile.hashes for tile in self.tiles])

    def leaf_count(self) -> int:
        return len(self.leaves) + sum(len(tile.hashes) // HASH_SIZE for tile in self.tiles)

    def lines(self) -> Iterator[bytes]:
        header: dict[str, Any] = {
            "kind": "header",
            "format": BUNDLE_FORMAT,
            "origin": self.origin,
            "leaf_format": LEAF_FORMAT,
        }
        if self.scope is not None:
            header["scope"] = self.scope.as_json()
        yield _line(header)
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
        leaves = self.named_leaves()
        for start in range(0, len(leaves), TILE):
            tile = leaves[start : start + TILE]
            yield _line(
                {
                    "kind": "leaves",
                    "start": tile[0].leaf_index,
                    "hashes": _b64(b"".join(leaf.hash for leaf in tile)),
                    "ids": _b64(b"".join(UUID(leaf.event_id).bytes for leaf in tile)),
                    "positions": _b64(b"".join(leaf.position.to_bytes(POSITION_SIZE) for leaf in tile)),
                }
            )
        for inclusion in self.inclusions:
            yield _line(
                {
                    "kind": "inclusion",
                    "event_id": inclusion.event_id,
                    "leaf_index": inclusion.leaf_index,
                    "tree_size": inclusion.tree_size,
                    "proof": [_b64(hash_) for hash_ in inclusion.proof],
                }
            )
        yield EVENTS_MARKER + b"\n"
        for event in self.events:
            yield event_line(event)

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
    def parse(cls, lines: Iterable[bytes], *, name_leaves: bool = True) -> Bundle:
        """Read bundle lines; ``ValueError`` naming the line when one before the events is
        not understood. Event lines always read (see :class:`ReadEvent`): the verifier names
        what is wrong with them. ``name_leaves=False`` leaves the recorded leaves in
        :attr:`tiles` (their hashes are all a verification of an honest bundle needs)."""
        bundle: Bundle | None = None
        in_events = False
        for number, line in enumerate(lines, start=1):
            raw = _without_line_end(line)
            if not raw.strip():
                continue
            if in_events and bundle is not None:
                bundle.events.append(ReadEvent(raw))
                continue
            try:
                record = orjson.loads(raw)
                kind = record.pop("kind")
                if bundle is None:
                    bundle = cls(origin=_header_origin(kind, record))
                    if record.get("scope") is not None:
                        bundle.scope = Scope.from_json(record["scope"])
                elif kind == "events":
                    in_events = True
                elif kind == "leaves":
                    bundle.tiles.append(LeafTile.of(record))
                elif kind == "key":
                    bundle.keys.append(TrustedKey(Verifier.from_text(record["key"]), record["role"]))
                elif kind == "checkpoint":
                    bundle.checkpoints.append(record["note"])
                elif kind == "consistency":
                    proof = tuple(base64.b64decode(h) for h in record["proof"])
                    bundle.consistency.append(
                        ConsistencyRecord(record["old_size"], record["new_size"], proof)
                    )
                elif kind == "inclusion":
                    proof = tuple(base64.b64decode(h) for h in record["proof"])
                    bundle.inclusions.append(
                        InclusionRecord(
                            str(record["event_id"]),
                            int(record["leaf_index"]),
                            int(record["tree_size"]),
                            proof,
                        )
                    )
                else:
                    raise ValueError(f"unknown record kind {kind!r}")
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise ValueError(f"bundle line {number}: {error}") from error
        if bundle is None:
            raise ValueError("empty bundle")
        if name_leaves:
            bundle.named_leaves()
        return bundle


def _header_origin(kind: str, record: dict[str, Any]) -> str:
    if kind != "header" or record.get("format") != BUNDLE_FORMAT:
        found = record.get("format") if kind == "header" else kind
        raise ValueError(f"not a {BUNDLE_FORMAT} bundle ({found!r})")
    if record.get("leaf_format") != LEAF_FORMAT:
        raise ValueError(f"unknown leaf format {record.get('leaf_format')!r}")
    origin = record["origin"]
    if not isinstance(origin, str):
        raise TypeError("the origin is a string")
    return origin


class LeafTile(NamedTuple):
    """A ``leaves`` record as read: consecutive leaves from ``start``, each a hash, an event
    id and a position, end to end."""

    start: int
    hashes: bytes
    ids: bytes
    positions: bytes

    @classmethod
    def of(cls, record: dict[str, Any]) -> LeafTile:
        hashes = base64.b64decode(record["hashes"])
        ids = base64.b64decode(record["ids"])
        positions = base64.b64decode(record["positions"])
        count = len(hashes) // HASH_SIZE
        if (len(hashes), len(ids), len(positions)) != (
            count * HASH_SIZE,
            count * ID_SIZE,
            count * POSITION_SIZE,
        ):
            raise ValueError("a leaves record has one hash, one id and one position per leaf")
        return cls(int(record["start"]), hashes, ids, positions)

    def leaves(self) -> list[RecordedLeaf]:
        hashes, ids, positions, start = self.hashes, self.ids, self.positions, self.start
        return [
            RecordedLeaf(
                start + i,
                str(UUID(bytes=ids[i * ID_SIZE : (i + 1) * ID_SIZE])),
                int.from_bytes(positions[i * POSITION_SIZE : (i + 1) * POSITION_SIZE]),
                hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE],
            )
            for i in range(len(hashes) // HASH_SIZE)
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


def build_scoped_bundle(
    events: Iterable[tuple[Envelope, int | None]],
    *,
    origin: str,
    checkpoints: Iterable[str],
    keys: Iterable[TrustedKey],
    tree: MerkleTree,
    scope: Scope,
) -> Bundle:
    """A scoped bundle of stored events, each given with its leaf index (None: not in the log
    yet), in the log's order. Each event the latest checkpoint covers gets its inclusion proof
    into that checkpoint; consistency proofs join the successive checkpoints (only those the
    tree covers are kept)."""
    notes = [note for note in checkpoints if 0 < _note_size(note) <= tree.size]
    sizes = sorted({_note_size(note) for note in notes})
    proven = sizes[-1] if sizes else 0
    records, inclusions = [], []
    for envelope, index in events:
        record = event_record(envelope)
        records.append(record)
        if index is not None and index < proven:
            proof = tuple(tree.inclusion_proof(index, proven))
            inclusions.append(InclusionRecord(record["id"], index, proven, proof))
    consistency = [
        ConsistencyRecord(old, new, tuple(tree.consistency_proof(old, new)))
        for old, new in zip(sizes, sizes[1:], strict=False)
    ]
    return Bundle(origin, list(keys), notes, consistency, events=records, scope=scope, inclusions=inclusions)


def _note_size(note: str) -> int:
    return Checkpoint.parse(parse_note(note).text).size
