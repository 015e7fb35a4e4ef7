"""The offline verifier on bundles: a clean log passes; each tampering is found and named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from audit_fixtures import stored_events

from events.audit.__main__ import main
from events.audit.bundle import LOG, WITNESS, Bundle, TrustedKey, build_bundle
from events.audit.leaf import leaf_bytes
from events.audit.log import AuditLog, RecordedLeaf
from events.audit.note import Checkpoint, Signer, cosign, sign_note
from events.audit.verify import (
    BAD_SIGNATURE,
    BROKEN_LINK,
    CHANGED,
    DELETED,
    FORKED_CHECKPOINT,
    MISSING_WITNESS,
    REHASHED,
    REORDERED,
    ROOT_MISMATCH,
    UNSIGNED_CHECKPOINT,
    Finding,
    Report,
    verify_bundle,
)
from events.integrity import canonical_body, link_hash

ORIGIN = "guichet/intake"
LOG_KEY = Signer.generate(ORIGIN)
WITNESS_KEY = Signer.generate("witness/sla-clock")
KEYS = [TrustedKey(LOG_KEY.verifier(), LOG), TrustedKey(WITNESS_KEY.verifier(), WITNESS)]


def signed_bundle(count: int = 40, every: int = 10) -> Bundle:
    """A log of ``count`` events with a witnessed checkpoint every ``every`` events."""
    events = stored_events(count)
    log = AuditLog(ORIGIN, LOG_KEY)
    notes = []
    for envelope in events:
        log.append(envelope)
        if log.size % every == 0:
            notes.append(cosign(log.sign_checkpoint(), WITNESS_KEY))
    return build_bundle(events, origin=ORIGIN, checkpoints=notes, keys=KEYS, leaves=log.leaves)


def verify(bundle: Bundle, tmp_path: Path) -> Report:
    """Through the file format, as an auditor gets it."""
    return verify_bundle(Bundle.read(bundle.write(tmp_path / "bundle.jsonl")), min_witnesses=1)


def rehash(event: dict, prev_hash: str | None) -> None:
    event["prev_hash"] = prev_hash
    body = canonical_body(
        event_id=event["id"],
        type_=event["type"],
        schema_version=event["schema_version"],
        stream_id=event["stream_id"],
        stream_type=event["stream_type"],
        stream_version=event["stream_version"],
        time=event["time"],
        data=event["data"],
        metadata=event["metadata"],
        pii=event["pii"],
    )
    event["hash"] = link_hash(prev_hash, body)


def of_kind(report: Report, kind: str) -> list[Finding]:
    return [finding for finding in report.findings if finding.kind == kind]


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    report = verify(signed_bundle(45), tmp_path)
    assert report.findings == []
    assert (report.events, report.signed_size, report.verified_checkpoints) == (45, 40, 4)
    assert report.unsigned_events == 5


def test_one_changed_byte_is_named(tmp_path: Path) -> None:
    bundle = signed_bundle()
    target = bundle.events[17]
    target["data"]["subject"] = target["data"]["subject"].replace("original", "origimal")
    report = verify(bundle, tmp_path)
    [finding] = report.findings
    assert (finding.kind, finding.event_id, finding.position) == (CHANGED, target["id"], 18)


def test_a_rehashed_stream_is_named_at_its_first_rewritten_event(tmp_path: Path) -> None:
    bundle = signed_bundle()
    target = bundle.events[17]
    stream = target["stream_id"]
    target["data"]["subject"] = "origimal"
    prev = target["prev_hash"]
    rewritten = []
    for event in bundle.events[17:]:
        if event["stream_id"] == stream:
            rehash(event, prev)
            prev = event["hash"]
            rewritten.append(event["id"])
    report = verify(bundle, tmp_path)
    assert report.kinds() == {REHASHED}
    assert [f.event_id for f in report.findings] == rewritten
    assert (report.findings[0].event_id, report.findings[0].position) == (target["id"], 18)


def test_rewritten_leaves_do_not_give_the_signed_root(tmp_path: Path) -> None:
    """An attacker who rewrites the event and the log's leaves too: the signed root names the range."""
    bundle = signed_bundle()
    target = bundle.events[17]
    target["data"]["subject"] = "origimal"
    rehash(target, target["prev_hash"])
    follower = next(e for e in bundle.events[18:] if e["stream_id"] == target["stream_id"])
    rehash(follower, target["hash"])
    for event in (target, follower):
        index = bundle.events.index(event)
        old = bundle.leaves[index]
        new_hash = hashlib.sha256(b"\x00" + leaf_bytes(event)).digest()
        bundle.leaves[index] = RecordedLeaf(old.leaf_index, old.event_id, old.position, new_hash)
    report = verify(bundle, tmp_path)
    mismatch = of_kind(report, ROOT_MISMATCH)
    assert [(f.checkpoint_size, f.leaf_index, f.position) for f in mismatch] == [
        (20, 10, 11),
        (30, 10, 11),
        (40, 10, 11),
    ]
    assert report.signed_size == 10


def test_a_deleted_last_event_of_a_stream_is_named(tmp_path: Path) -> None:
    bundle = signed_bundle()
    last_of_stream = max(
        (e for e in bundle.events if e["stream_id"] == bundle.events[0]["stream_id"]),
        key=lambda e: e["stream_version"],
    )
    bundle.events.remove(last_of_stream)
    report = verify(bundle, tmp_path)
    [finding] = report.findings
    assert (finding.kind, finding.event_id, finding.position) == (
        DELETED,
        last_of_stream["id"],
        last_of_stream["position"],
    )


def test_a_deleted_event_inside_a_stream_is_named_and_breaks_the_link(tmp_path: Path) -> None:
    bundle = signed_bundle()
    removed = bundle.events.pop(4)
    report = verify(bundle, tmp_path)
    assert [(f.event_id, f.position) for f in of_kind(report, DELETED)] == [(removed["id"], 5)]
    assert len(of_kind(report, BROKEN_LINK)) == 1


def test_a_swapped_pair_is_named(tmp_path: Path) -> None:
    bundle = signed_bundle()
    first, second = bundle.events[20], bundle.events[21]
    bundle.events[20], bundle.events[21] = second, first
    report = verify(bundle, tmp_path)
    [finding] = report.findings
    assert finding.kind == REORDERED
    assert (finding.event_id, finding.position) == (first["id"], 21)
    assert (finding.other_event_id, finding.other_position) == (second["id"], 22)


def test_swapped_positions_are_named(tmp_path: Path) -> None:
    bundle = signed_bundle()
    first, second = bundle.events[20], bundle.events[21]
    first["position"], second["position"] = second["position"], first["position"]
    bundle.events[20], bundle.events[21] = second, first
    report = verify(bundle, tmp_path)
    reordered = of_kind(report, REORDERED)
    assert {f.event_id for f in reordered} == {first["id"], second["id"]}


def test_a_forked_checkpoint_is_named(tmp_path: Path) -> None:
    bundle = signed_bundle()
    other_root = hashlib.sha256(b"another history").digest()
    bundle.checkpoints.append(sign_note(Checkpoint(ORIGIN, 20, other_root).text(), LOG_KEY, WITNESS_KEY))
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.checkpoint_size) for f in report.findings] == [(FORKED_CHECKPOINT, 20)]


def test_inconsistent_successive_checkpoints_are_a_fork(tmp_path: Path) -> None:
    bundle = signed_bundle()
    bundle.consistency[1] = type(bundle.consistency[1])(20, 30, tuple(reversed(bundle.consistency[1].proof)))
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.checkpoint_size) for f in report.findings] == [(FORKED_CHECKPOINT, 30)]


def test_a_smaller_checkpoint_of_another_history_is_a_fork_even_without_a_proof(tmp_path: Path) -> None:
    bundle = signed_bundle()
    other_root = hashlib.sha256(b"another history").digest()
    bundle.checkpoints[1] = sign_note(Checkpoint(ORIGIN, 20, other_root).text(), LOG_KEY, WITNESS_KEY)
    bundle.consistency.clear()
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.checkpoint_size) for f in report.findings] == [
        (FORKED_CHECKPOINT, 20),
        (FORKED_CHECKPOINT, 30),
        (ROOT_MISMATCH, 20),
    ]


def test_checkpoint_signatures_are_checked(tmp_path: Path) -> None:
    bundle = signed_bundle()
    bundle.checkpoints[0] = bundle.checkpoints[0].replace("\n10\n", "\n11\n", 1)
    bundle.checkpoints[1] = sign_note(bundle.checkpoints[1].split("\n\n")[0] + "\n", LOG_KEY)
    bundle.checkpoints[2] = sign_note(bundle.checkpoints[2].split("\n\n")[0] + "\n", Signer.generate(ORIGIN))
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.checkpoint_size) for f in report.findings] == [
        (BAD_SIGNATURE, 11),
        (MISSING_WITNESS, 20),
        (UNSIGNED_CHECKPOINT, 30),
    ]


def test_the_command_exits_non_zero_and_names_the_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = signed_bundle()
    path = bundle.write(tmp_path / "clean.jsonl")
    assert main(["verify", str(path)]) == 0
    assert capsys.readouterr().out.strip().endswith(": OK")
    bundle.events[3]["data"]["n"] = 4
    path = bundle.write(tmp_path)
    assert path == tmp_path / "bundle.jsonl"
    assert main(["verify", str(tmp_path), "--json"]) == 1
    report = orjson.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [(f["kind"], f["event_id"], f["position"]) for f in report["findings"]] == [
        (CHANGED, bundle.events[3]["id"], 4)
    ]


def test_trusted_keys_given_replace_the_bundles_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = signed_bundle().write(tmp_path / "bundle.jsonl")
    other = tmp_path / "other.pub"
    other.write_text(Signer.generate(ORIGIN).verifier().text())
    assert main(["verify", str(path), "--key", str(other)]) == 1
    assert "unsigned-checkpoint" in capsys.readouterr().out
    good = tmp_path / "log.pub"
    good.write_text(LOG_KEY.verifier().text())
    assert main(["verify", str(path), "--key", str(good)]) == 0
    assert main(["verify", str(tmp_path / "missing.jsonl")]) == 2


def test_position_and_recorded_at_are_covered_by_the_signed_leaf(tmp_path: Path) -> None:
    bundle = signed_bundle()
    moved, redated = bundle.events[5], bundle.events[6]
    moved["position"] = 1000
    redated["recorded_at"] = redated["recorded_at"].replace("09:00", "08:00")
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.event_id) for f in report.findings] == [
        (REORDERED, moved["id"]),
        (REHASHED, redated["id"]),
    ]


def test_events_without_any_verified_checkpoint_are_a_finding(tmp_path: Path) -> None:
    bundle = signed_bundle()
    bundle.checkpoints.clear()
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.event_id) for f in report.findings] == [(UNSIGNED_CHECKPOINT, None)]
    assert main(["verify", str(bundle.write(tmp_path / "b.jsonl"))]) == 1
