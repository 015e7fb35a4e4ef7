"""Verifying a bundle file fast: honest bundles in parallel chunks, the exact verifier otherwise.

Almost every bundle an auditor checks is honest, and then the checks reduce to, per event:
its content gives its chain hash, it follows its stream's previous event, and its leaf hash
is the signed leaf at its index. Chunks of event lines are checked so in worker processes;
each returns whether it is clean and, per stream, its first and last link so the main
process can join chunks. A chunk that is not clean (or a bundle with fewer events than
signed leaves) sends the whole bundle through :func:`events.audit.verify.verify_bundle`,
which names every finding.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson

from events.audit.bundle import BUNDLE_FILE, Bundle, TrustedKey
from events.audit.leaf import leaf_bytes
from events.audit.merkle import HASH_SIZE
from events.audit.verify import Report, verify_events, verify_log
from events.integrity import canonical_body

EVENT_PREFIX = b'{"kind":"event"'
CHUNK = 20_000
_ZERO = bytes(32)

StreamEnds = dict[str, tuple[int, str | None, int, str]]
"""Per stream in a chunk: first version, its ``prev_hash``, last version, its hash."""


def check_chunk(lines: list[bytes], recorded: bytes) -> StreamEnds | None:
    """The chunk's stream ends if every event in it is clean, else ``None``.

    ``recorded`` are the log's leaf hashes at the chunk's indexes (fewer than the lines
    when the log ends inside the chunk). Whether they are signed is checked apart.
    """
    loads, sha256 = orjson.loads, hashlib.sha256
    recorded_count = len(recorded) // HASH_SIZE
    ends: StreamEnds = {}
    for k, line in enumerate(lines):
        event = loads(line)
        stream, version, prev_hash, hash_ = (
            event["stream_id"],
            event["stream_version"],
            event["prev_hash"],
            event["hash"],
        )
        body = canonical_body(
            event_id=event["id"],
            type_=event["type"],
            schema_version=event["schema_version"],
            stream_id=stream,
            stream_type=event["stream_type"],
            stream_version=version,
            time=event["time"],
            data=event["data"],
            metadata=event["metadata"],
            pii=event["pii"],
        )
        digest = sha256(bytes.fromhex(prev_hash) if prev_hash else _ZERO)
        digest.update(body)
        if digest.hexdigest() != hash_:
            return None
        if k < recorded_count:
            offset = k * HASH_SIZE
            if sha256(b"\x00" + leaf_bytes(event)).digest() != recorded[offset : offset + HASH_SIZE]:
                return None
        known = ends.get(stream)
        if known is None:
            ends[stream] = (version, prev_hash, version, hash_)
        elif version != known[2] + 1 or prev_hash != known[3]:
            return None
        else:
            ends[stream] = (known[0], known[1], version, hash_)
    return ends


def _joined(chunks: Iterable[StreamEnds | None]) -> bool:
    tails: dict[str, tuple[int, str]] = {}
    for ends in chunks:
        if ends is None:
            return False
        for stream, (first, first_prev, last, last_hash) in ends.items():
            version, hash_ = tails.get(stream, (0, None))
            if first != version + 1 or first_prev != hash_:
                return False
            tails[stream] = (last, last_hash)
    return True


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
    lines = source.read_bytes().splitlines()
    event_lines = [line for line in lines if line.startswith(EVENT_PREFIX)]
    bundle = Bundle.parse(line for line in lines if not line.startswith(EVENT_PREFIX))
    del lines
    recorded = b"".join(leaf.hash for leaf in bundle.leaves)
    workers = workers or os.cpu_count() or 1
    size = max(1_000, min(CHUNK, -(-len(event_lines) // workers)))
    tasks = [
        (event_lines[start : start + size], recorded[start * HASH_SIZE : (start + size) * HASH_SIZE])
        for start in range(0, len(event_lines), size)
    ]
    if workers == 1 or len(tasks) <= 1:
        report = verify_log(bundle, trusted=trusted, min_witnesses=min_witnesses)
        clean = _joined(check_chunk(lines, hashes) for lines, hashes in tasks)
    else:
        with ProcessPoolExecutor(workers) as pool:
            chunks = pool.map(check_chunk, *zip(*tasks, strict=True))
            # The signed roots are checked here while the workers check the events.
            report = verify_log(bundle, trusted=trusted, min_witnesses=min_witnesses)
            clean = _joined(chunks)
    report.events = len(event_lines)
    if clean and len(event_lines) >= report.signed_size:
        report.unsigned_events = len(event_lines) - report.signed_size
        return report
    bundle.events = [_event(line) for line in event_lines]
    verify_events(bundle, report)
    return report


def _event(line: bytes) -> dict:
    event = orjson.loads(line)
    del event["kind"]
    return event
