"""Bundle format 2: each event line carries the exact bytes its leaf hash and its chain hash
cover, the verifier reads the event from nothing else, and a changed byte anywhere in a line
is named by event and position, on the fast path's fallback as on the exact verifier."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from audit_fixtures import stored_events

from events.audit import fast
from events.audit.__main__ import main
from events.audit.bundle import (
    BUNDLE_FORMAT,
    EVENTS_MARKER,
    LOG,
    Bundle,
    ReadEvent,
    TrustedKey,
    build_bundle,
    event_line,
    record_body,
)
from events.audit.leaf import event_record, leaf_bytes, record_leaf_hash
from events.audit.log import AuditLog
from events.audit.merkle import leaf_hash
from events.audit.note import Signer
from events.audit.verify import BROKEN_LINK, CHANGED, DELETED, REHASHED, Report, verify_bundle
from events.integrity import link_hash

ORIGIN = "guichet/intake"
KEY = Signer.generate(ORIGIN)


def signed(count: int = 40, every: int = 10) -> Bundle:
    events = stored_events(count)
    log = AuditLog(ORIGIN, KEY)
    notes = []
    for envelope in events:
        log.append(envelope)
        if log.size % every == 0:
            notes.append(log.sign_checkpoint())
    return build_bundle(
        events, origin=ORIGIN, checkpoints=notes, keys=[TrustedKey(KEY.verifier(), LOG)], leaves=log.leaves
    )


def edited(path: Path, order: int, old: bytes, new: bytes) -> Path:
    """Replace the first ``old`` in the ``order``-th event line of a bundle file."""
    lines = path.read_bytes().split(b"\n")
    first_event = lines.index(EVENTS_MARKER) + 1
    line = lines[first_event + order]
    assert old in line, line
    lines[first_event + order] = line.replace(old, new, 1)
    path.write_bytes(b"\n".join(lines))
    return path


def both(path: Path) -> Report:
    """The command's verifier (fast path, falling back) and the exact one agree."""
    report = fast.verify_path(path, workers=1)
    assert report == verify_bundle(Bundle.read(path))
    return report


def test_an_event_line_is_the_leaf_bytes_and_the_body_bytes_as_hashed() -> None:
    [envelope] = stored_events(1)
    record = event_record(envelope)
    line = event_line(record)
    leaf, body = line.rstrip(b"\n").split(b"\t")
    assert leaf == leaf_bytes(record) and body == record_body(record)
    assert leaf_hash(leaf) == record_leaf_hash(record)
    assert link_hash(None, body) == envelope.hash
    read = ReadEvent(line.rstrip(b"\n"))
    assert read.problem is None
    assert dict(read) == record
    assert (read.leaf_bytes, read.body_bytes) == (leaf, body)


def test_a_read_bundle_is_written_back_byte_for_byte(tmp_path: Path) -> None:
    path = signed().write(tmp_path / "bundle.jsonl")
    again = Bundle.read(path).write(tmp_path / "again.jsonl")
    assert again.read_bytes() == path.read_bytes()
    assert path.read_bytes().startswith(b'{"kind":"header","format":"' + BUNDLE_FORMAT.encode())


def test_an_honest_bundle_file_verifies_on_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = signed(45).write(tmp_path / "bundle.jsonl")

    def no_exact_verifier(*_: object) -> None:
        raise AssertionError("the exact verifier ran on an honest bundle")

    monkeypatch.setattr(fast, "verify_events", no_exact_verifier)
    report = fast.verify_path(path, workers=1)
    assert (report.ok, report.events, report.signed_size, report.unsigned_events) == (True, 45, 40, 5)


def test_a_changed_byte_in_the_payload_is_named(tmp_path: Path) -> None:
    bundle = signed()
    path = edited(bundle.write(tmp_path / "bundle.jsonl"), 17, b"original", b"origimal")
    [finding] = both(path).findings
    assert (finding.kind, finding.event_id, finding.position) == (CHANGED, bundle.events[17]["id"], 18)


@pytest.mark.parametrize("field", [b'"stream_version":', b'"schema_version":', b'"time":"2026'])
def test_a_changed_byte_in_a_readable_field_of_the_body_is_named(tmp_path: Path, field: bytes) -> None:
    bundle = signed()
    body = record_body(bundle.events[12])
    at = body.index(field) + len(field)
    original = body[at : at + 1]
    changed = b"7" if original != b"7" else b"8"
    path = edited(bundle.write(tmp_path / "bundle.jsonl"), 12, body, body[:at] + changed + body[at + 1 :])
    findings = both(path).findings
    assert (findings[0].kind, findings[0].event_id, findings[0].position) == (
        CHANGED,
        bundle.events[12]["id"],
        13,
    )


def test_a_changed_byte_in_the_leaf_is_named(tmp_path: Path) -> None:
    bundle = signed()
    path = edited(
        bundle.write(tmp_path / "bundle.jsonl"),
        6,
        b'"recorded_at":"2026-03-01T09',
        b'"recorded_at":"2026-03-01T08',
    )
    [finding] = both(path).findings
    assert (finding.kind, finding.event_id, finding.position) == (REHASHED, bundle.events[6]["id"], 7)


def test_a_body_that_no_longer_reads_as_json_is_named(tmp_path: Path) -> None:
    bundle = signed()
    path = edited(bundle.write(tmp_path / "bundle.jsonl"), 9, b'"data":{', b'"data"x{')
    [finding] = both(path).findings
    assert (finding.kind, finding.event_id, finding.position) == (CHANGED, bundle.events[9]["id"], 10)
    assert finding.message == "the body is not a JSON object naming the event"


def test_a_leaf_that_does_not_name_the_event_leaves_its_signed_leaf_deleted(tmp_path: Path) -> None:
    bundle = signed()
    target = bundle.events[8]
    path = edited(bundle.write(tmp_path / "bundle.jsonl"), 8, b'"stream_id":"', b'"stream_id":')
    report = both(path)
    assert [(f.kind, f.event_id, f.position) for f in report.findings] == [
        (CHANGED, None, None),
        (BROKEN_LINK, bundle.events[11]["id"], 12),  # the next event of its stream
        (DELETED, target["id"], 9),
    ]
    assert "event 9 of the bundle is unreadable" in report.findings[0].message


def test_a_line_without_its_tab_is_named(tmp_path: Path) -> None:
    bundle = signed()
    path = edited(bundle.write(tmp_path / "bundle.jsonl"), 3, b"\t", b" ")
    report = both(path)
    assert [(f.kind, f.event_id) for f in report.findings] == [
        (CHANGED, None),
        (BROKEN_LINK, bundle.events[6]["id"]),
        (DELETED, bundle.events[3]["id"]),
    ]
    assert "one tab" in report.findings[0].message


def test_a_body_that_disagrees_with_its_leaf_is_named_even_when_every_hash_holds(tmp_path: Path) -> None:
    """A row whose stored hash covers another event's body, folded and signed as it is: the
    hashes all hold, but the line reads as two events. The leaf names it."""
    events = stored_events(12)
    records = [event_record(envelope) for envelope in events]
    victim, other = records[10], records[11]
    foreign = dict(other, stream_version=victim["stream_version"])
    victim["hash"] = link_hash(victim["prev_hash"], record_body(foreign))
    log = AuditLog(ORIGIN, KEY)
    for envelope, record in zip(events, records, strict=True):
        log.append(envelope.model_copy(update={"hash": record["hash"]}))
    bundle = Bundle(ORIGIN, [TrustedKey(KEY.verifier(), LOG)], [log.sign_checkpoint()], [], log.leaves)
    lines = [event_line(record) for record in records]
    lines[10] = leaf_bytes(victim) + b"\t" + record_body(foreign) + b"\n"
    path = tmp_path / "bundle.jsonl"
    path.write_bytes(b"".join([*list(bundle.lines()), *lines]))
    assert not fast.check_lines([line.rstrip(b"\n") for line in lines]).clean
    report = both(path)
    assert [(f.kind, f.event_id, f.position) for f in report.findings] == [(CHANGED, victim["id"], 11)]
    assert report.findings[0].message == "its leaf and its body disagree on id, stream_id"


def test_a_bundle_of_format_1_is_refused_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.jsonl"
    header = {"kind": "header", "format": "guichet-audit-bundle/1", "origin": ORIGIN}
    path.write_bytes(orjson.dumps(header) + b"\n")
    assert main(["verify", str(path)]) == 2
    assert "guichet-audit-bundle/1" in capsys.readouterr().err


def test_the_command_names_a_changed_byte_of_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = signed()
    path = edited(bundle.write(tmp_path / "bundle.jsonl"), 30, b"original", b"origimal")
    assert main(["verify", str(path), "--json", "--workers", "2"]) == 1
    report = orjson.loads(capsys.readouterr().out)
    assert [(f["kind"], f["event_id"], f["position"]) for f in report["findings"]] == [
        (CHANGED, bundle.events[30]["id"], 31)
    ]


def test_any_changed_byte_of_an_event_line_is_a_finding_on_both_paths(tmp_path: Path) -> None:
    """Every byte of the events section is covered: whichever byte changes (leaf, body, tab,
    line end), the fast path's fallback and the exact verifier report the same findings."""
    clean = signed().write(tmp_path / "clean.jsonl").read_bytes()
    events_at = clean.index(EVENTS_MARKER) + len(EVENTS_MARKER) + 1
    rng = random.Random(15)
    for offset in sorted(rng.sample(range(events_at, len(clean)), 40)):
        changed = bytearray(clean)
        changed[offset] = (changed[offset] + rng.randrange(1, 255)) % 256
        path = tmp_path / "bundle.jsonl"
        path.write_bytes(bytes(changed))
        report = both(path)
        assert not report.ok, f"byte {offset} ({clean[offset : offset + 1]!r}) changed unnoticed"
