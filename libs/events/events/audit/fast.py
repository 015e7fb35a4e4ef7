"""Verifying a bundle file fast: honest bundles in parallel chunks, the exact verifier otherwise.

Almost every bundle an auditor checks is honest, and then the checks reduce to, per event:
its body bytes give its chain hash, it follows its stream's previous event, and the hash
of its leaf bytes is the log's leaf at its index. An event line carries those bytes
verbatim (:mod:`events.audit.bundle`), so each is hashed as it is, once: no serialisation.
The leaf and the body are still read (two small JSON objects) for what the checks need
(stream, version, ``prev_hash``, ``hash``) and to hold the two to the same id, type, stream
and version, exactly as :class:`events.audit.bundle.ReadEvent` reads them: what is clean
here reads as one event there. The events come last in a bundle file; worker processes
each read one byte range of them and return whether every event in it is self-consistent,
its leaf hashes end to end, and per stream its first and last link. The main process reads
the rest (checkpoints, the log's leaves), checks the signed roots meanwhile, then joins the
chunks' streams and compares all computed leaf hashes with the log's in one comparison.
Any doubt (a chunk not clean, a link broken across chunks, a leaf differing, fewer events
than signed leaves) sends the whole bundle through :func:`events.audit.verify.verify_events`,
which names every finding.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import msgspec

from events.audit.bundle import (
    BUNDLE_FILE,
    EVENTS_MARKER,
    TAB,
    Bundle,
    ReadEvent,
    TrustedKey,
    body_names,
    read_leaf,
    split_lines,
)
from events.audit.merkle import HASH_SIZE, LEAF_PREFIX
from events.audit.verify import Report, require_anchor, verify_bundle, verify_events, verify_log

CHUNK_BYTES = 16 * 2**20
_ZERO = bytes(32)
_UNCLEAN = (ValueError, KeyError, TypeError, msgspec.DecodeError)
"""What reading a line that is not one event raises."""

StreamEnds = dict[str, tuple[int, str | None, int, str]]
"""Per stream in a chunk: first version, its ``prev_hash``, last version, its hash."""


class Chunk(NamedTuple):
    clean: bool
    """Every event's content gives its hash and follows its stream's previous one in the chunk."""
    leaf_hashes: bytes
    ends: StreamEnds


def check_lines(lines: Iterable[bytes]) -> Chunk:
    """Check event lines on their own (no leaves needed): see :class:`Chunk`."""
    try:
        return _check_lines(lines)
    except _UNCLEAN:
        return Chunk(False, b"", {})


def _check_lines(lines: Iterable[bytes]) -> Chunk:
    sha256, fromhex, leaf_seed = hashlib.sha256, bytes.fromhex, LEAF_PREFIX
    ends: StreamEnds = {}
    leaves: list[bytes] = []
    add_leaf = leaves.append
    unclean = Chunk(False, b"", {})
    for line in lines:
        leaf_raw, body_raw = line.split(TAB)
        leaf = read_leaf(leaf_raw)
        names = body_names(body_raw)
        stream, version, prev_hash, hash_ = leaf.stream_id, leaf.stream_version, leaf.prev_hash, leaf.hash
        if (
            names is None
            or names.stream_id != stream
            or names.stream_version != version
            or names.id != leaf.id
            or names.type != leaf.type
        ):
            return unclean
        digest = sha256(fromhex(prev_hash) if prev_hash else _ZERO)
        digest.update(body_raw)
        if digest.hexdigest() != hash_:
            return unclean
        add_leaf(sha256(leaf_seed + leaf_raw).digest())
        known = ends.get(stream)
        if known is None:
            ends[stream] = (version, prev_hash, version, hash_)
        elif version != known[2] + 1 or prev_hash != known[3]:
            return unclean
        else:
            ends[stream] = (known[0], known[1], version, hash_)
    return Chunk(True, b"".join(leaves), ends)


def check_range(path: str, start: int, end: int) -> Chunk:
    """:func:`check_lines` on the lines of ``path`` between two byte offsets."""
    with open(path, "rb") as source:
        source.seek(start)
        return check_lines(split_lines(source.read(end - start)))


def _joined(chunks: Iterable[Chunk]) -> tuple[bool, bytes]:
    """Whether every chunk is clean and each stream goes on from one chunk to the next;
    the leaf hashes of all chunks end to end."""
    tails: dict[str, tuple[int, str | None]] = {}
    leaves = []
    for chunk in chunks:
        if not chunk.clean:
            return False, b""
        leaves.append(chunk.leaf_hashes)
        for stream, (first, first_prev, last, last_hash) in chunk.ends.items():
            version, hash_ = tails.get(stream, (0, None))
            if first != version + 1 or first_prev != hash_:
                return False, b""
            tails[stream] = (last, last_hash)
    return True, b"".join(leaves)


def _head(source: Path) -> tuple[list[bytes], int, int]:
    """The lines before the events, the offset of the first event and the file's size."""
    lines = []
    with source.open("rb") as reader:
        while True:
            line = reader.readline()
            if not line:
                break
            lines.append(line)
            if line.rstrip(b"\r\n") == EVENTS_MARKER:
                break
        offset = reader.tell()
        reader.seek(0, os.SEEK_END)
        return lines, offset, reader.tell()


def _ranges(source: Path, start: int, end: int, pieces: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at line ends into about ``pieces`` ranges."""
    step = max((end - start) // max(pieces, 1), 1)
    cuts = [start]
    with source.open("rb") as reader:
        while cuts[-1] + step < end:
            reader.seek(cuts[-1] + step)
            reader.readline()
            cut = reader.tell()
            if cut >= end:
                break
            cuts.append(cut)
    cuts.append(end)
    return list(zip(cuts, cuts[1:], strict=False))


def verify_path(
    path: str | Path,
    *,
    trusted: Iterable[TrustedKey] | None = None,
    min_witnesses: int = 0,
    workers: int | None = None,
) -> Report:
    """Verify a bundle file; ``workers`` processes (default: one per CPU) check the events."""
    source = Path(path)
    if source.is_dir():
        source = source / BUNDLE_FILE
    head, start, end = _head(source)
    workers = workers or os.cpu_count() or 1
    pieces = max(workers, -(-(end - start) // CHUNK_BYTES))
    ranges = _ranges(source, start, end, pieces)
    if workers == 1 or len(ranges) <= 1:
        bundle = Bundle.parse(head, name_leaves=False)
        if bundle.scope is not None:
            return _exact(source, trusted, min_witnesses)
        report = verify_log(bundle, trusted=trusted, min_witnesses=min_witnesses)
        clean, computed = _joined(check_range(str(source), a, b) for a, b in ranges)
    else:
        with ProcessPoolExecutor(workers) as pool:
            chunks = pool.map(check_range, *zip(*((str(source), a, b) for a, b in ranges), strict=True))
            # The workers check the events while this process reads the head and checks the
            # signed roots.
            try:
                bundle = Bundle.parse(head, name_leaves=False)
            except ValueError:
                pool.shutdown(cancel_futures=True)
                raise
            if bundle.scope is not None:
                pool.shutdown(cancel_futures=True)
                return _exact(source, trusted, min_witnesses)
            report = verify_log(bundle, trusted=trusted, min_witnesses=min_witnesses)
            clean, computed = _joined(chunks)
    events = len(computed) // HASH_SIZE
    recorded = bundle.leaf_hashes()
    common = min(len(computed), len(recorded))
    if clean and events >= report.signed_size and computed[:common] == recorded[:common]:
        report.events = events
        report.unsigned_events = events - report.signed_size
        return require_anchor(report)
    with source.open("rb") as reader:
        reader.seek(start)
        bundle.events = [ReadEvent(line) for line in split_lines(reader.read()) if line.strip()]
    report.events = len(bundle.events)
    verify_events(bundle, report)
    return require_anchor(report)


def _exact(source: Path, trusted: Iterable[TrustedKey] | None, min_witnesses: int) -> Report:
    """The exact verifier on the whole file (a scoped bundle holds few events)."""
    return verify_bundle(Bundle.read(source), trusted=trusted, min_witnesses=min_witnesses)
