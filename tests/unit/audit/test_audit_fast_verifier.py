"""The parallel verification of bundle files: honest bundles take the fast path, and any
tampering falls back to the exact verifier with the same findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_fixtures import stored_events

from events.audit import fast
from events.audit.bundle import LOG, Bundle, TrustedKey, build_bundle
from events.audit.log import AuditLog
from events.audit.note import Signer
from events.audit.verify import BROKEN_LINK, CHANGED, DELETED, verify_bundle

ORIGIN = "guichet/intake"
KEY = Signer.generate(ORIGIN)


def bundle_of(count: int, every: int) -> Bundle:
    events = stored_events(count, streams=7)
    log = AuditLog(ORIGIN, KEY)
    notes = []
    for envelope in events:
        log.append(envelope)
        if log.size % every == 0:
            notes.append(log.sign_checkpoint())
    return build_bundle(
        events, origin=ORIGIN, checkpoints=notes, keys=[TrustedKey(KEY.verifier(), LOG)], leaves=log.leaves
    )


def no_slow_path(*_: object) -> None:
    raise AssertionError("the exact verifier ran on an honest bundle")


@pytest.mark.parametrize("workers", [1, 2])
def test_an_honest_bundle_is_verified_by_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    bundle = bundle_of(2_600, every=1_000)
    path = bundle.write(tmp_path / "bundle.jsonl")
    expected = verify_bundle(Bundle.read(path))
    monkeypatch.setattr(fast, "verify_events", no_slow_path)
    monkeypatch.setattr(fast, "CHUNK_BYTES", 100_000)
    report = fast.verify_path(path, workers=workers)
    assert report == expected
    assert (report.ok, report.signed_size, report.unsigned_events) == (True, 2_000, 600)


def test_a_tampered_bundle_gets_the_exact_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = bundle_of(2_600, every=1_000)
    bundle.events[1_500]["data"]["n"] = -1
    del bundle.events[1_999]
    path = bundle.write(tmp_path / "bundle.jsonl")
    monkeypatch.setattr(fast, "CHUNK_BYTES", 100_000)
    report = fast.verify_path(path, workers=2)
    assert report == verify_bundle(Bundle.read(path))
    assert [(f.kind, f.position) for f in report.findings] == [
        (CHANGED, 1_501),
        (BROKEN_LINK, 2_007),
        (DELETED, 2_000),
    ]


def test_a_stream_broken_across_chunks_is_not_clean() -> None:
    first = fast.Chunk(True, b"a", {"s": (1, None, 3, "c")})
    assert fast._joined([first, fast.Chunk(True, b"b", {"s": (4, "c", 5, "e")})]) == (True, b"ab")
    assert not fast._joined([first, fast.Chunk(True, b"", {"s": (5, "d", 5, "e")})])[0]
    assert not fast._joined([first, fast.Chunk(True, b"", {"s": (4, "x", 5, "e")})])[0]
    assert not fast._joined([first, fast.Chunk(False, b"", {})])[0]


def test_ranges_cut_at_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "lines"
    path.write_bytes(b"".join(b"%d\n" % n * 1 for n in range(1000)))
    ranges = fast._ranges(path, 0, path.stat().st_size, 7)
    assert ranges[0][0] == 0 and ranges[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    data = path.read_bytes()
    assert all(data[end - 1 : end] == b"\n" for _, end in ranges)
    assert 5 <= len(ranges) <= 8
