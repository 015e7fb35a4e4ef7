"""Scoped bundles (some streams, or a period): each event proven into a signed checkpoint
by its inclusion proof, its links checked within the scope, and what the scope cannot
prove said in the report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from audit_fixtures import stored_events

from events.audit import fast
from events.audit.__main__ import main
from events.audit.bundle import (
    LOG,
    PERIOD,
    STREAMS,
    Bundle,
    InclusionRecord,
    Scope,
    TrustedKey,
    build_scoped_bundle,
)
from events.audit.log import AuditLog
from events.audit.note import Checkpoint, Signer, sign_note
from events.audit.verify import (
    BROKEN_LINK,
    CHANGED,
    DELETED,
    FORKED_CHECKPOINT,
    REHASHED,
    REORDERED,
    UNSIGNED_CHECKPOINT,
    Report,
    verify_bundle,
)
from events.envelope import Envelope
from events.integrity import chain_hash

ORIGIN = "guichet/intake"
KEY = Signer.generate(ORIGIN)
EVENTS: list[Envelope] = []


@pytest.fixture(autouse=True)
def fresh_events() -> None:
    """Sixty events over four streams, made again for each test (records share their payloads)."""
    EVENTS[:] = stored_events(60, streams=4)


def signed_log(count: int = 50, every: int = 10) -> AuditLog:
    """The first ``count`` events in the log, a checkpoint every ``every``."""
    log = AuditLog(ORIGIN, KEY)
    for envelope in EVENTS[:count]:
        log.append(envelope)
        if log.size % every == 0:
            log.sign_checkpoint()
    return log


def of_streams(log: AuditLog, *streams: int, events: list[Envelope] | None = None) -> Bundle:
    wanted = {str(EVENTS[stream].stream_id) for stream in streams}
    chosen = [e for e in (events or EVENTS) if str(e.stream_id) in wanted]
    return build_scoped_bundle(
        [(e, log.index_of(str(e.id)) if str(e.id) in log._index_of else None) for e in chosen],
        origin=ORIGIN,
        checkpoints=log.checkpoints,
        keys=[TrustedKey(KEY.verifier(), LOG)],
        tree=log.tree,
        scope=Scope(STREAMS, tuple(sorted(wanted))),
    )


def of_period(log: AuditLog, first: int, last: int, events: list[Envelope] | None = None) -> Bundle:
    chosen = (events or EVENTS)[first : last + 1]
    return build_scoped_bundle(
        [(e, log.index_of(str(e.id))) for e in chosen],
        origin=ORIGIN,
        checkpoints=log.checkpoints,
        keys=[TrustedKey(KEY.verifier(), LOG)],
        tree=log.tree,
        scope=Scope(
            PERIOD, since="2026-03-01T09:00:20+00:00", until="2026-03-01T09:00:31+00:00", leaves=(first, last)
        ),
    )


def verify(bundle: Bundle, tmp_path: Path) -> Report:
    """Through the file, by the command's verifier and the exact one."""
    path = bundle.write(tmp_path / "bundle.jsonl")
    report = fast.verify_path(path, workers=1)
    assert report == verify_bundle(Bundle.read(path))
    return report


def test_the_events_of_some_streams_verify_with_what_they_cannot_prove(tmp_path: Path) -> None:
    log = signed_log()
    bundle = of_streams(log, 1, 2)
    report = verify(bundle, tmp_path)
    assert report.findings == []
    assert (report.events, report.signed_size) == (30, 50)
    assert report.unsigned_events == 5  # events 51..60 of those streams: not in the log yet
    assert len(bundle.inclusions) == 25 and len(bundle.consistency) == 4
    assert any("deleted last event" in limit for limit in report.cannot_prove)
    assert report.scope and str(EVENTS[1].stream_id) in report.scope


def test_a_changed_byte_in_a_scoped_event_is_named(tmp_path: Path) -> None:
    bundle = of_streams(signed_log(), 1)
    target = bundle.events[3]
    target["data"]["subject"] = target["data"]["subject"].replace("original", "origimal")
    [finding] = verify(bundle, tmp_path).findings
    assert (finding.kind, finding.event_id, finding.position) == (CHANGED, target["id"], target["position"])


def test_a_rehashed_stream_is_named_by_its_inclusion_proofs(tmp_path: Path) -> None:
    events = list(EVENTS)
    stream = events[2].stream_id
    rewritten, prev = [], None
    for n, envelope in enumerate(events):
        if envelope.stream_id != stream:
            continue
        if n >= 14:
            draft = envelope.model_copy(
                update={"data": {**envelope.data, "subject": "origimal"}, "prev_hash": prev}
            )
            envelope = draft.model_copy(update={"hash": chain_hash(prev, draft)})
            events[n] = envelope
            rewritten.append(str(envelope.id))
        prev = envelope.hash
    report = verify(of_streams(signed_log(), 2, events=events), tmp_path)
    assert report.kinds() == {REHASHED}
    assert [f.event_id for f in report.findings] == rewritten[: len(report.findings)]
    assert report.findings[0].position == 15


def test_a_deleted_event_inside_a_stream_breaks_its_link_and_a_deleted_last_one_is_unprovable(
    tmp_path: Path,
) -> None:
    log = signed_log()
    bundle = of_streams(log, 1)
    removed = bundle.events.pop(4)
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.position) for f in report.findings] == [(BROKEN_LINK, removed["position"] + 4)]
    bundle = of_streams(log, 1)
    del bundle.events[-1]
    report = verify(bundle, tmp_path)
    assert report.ok
    assert (
        "that no event of these streams came after the last one here (a deleted last event)"
        in report.cannot_prove
    )


def test_a_swapped_pair_is_named(tmp_path: Path) -> None:
    bundle = of_streams(signed_log(), 1, 2)
    first, second = bundle.events[6], bundle.events[7]
    bundle.events[6], bundle.events[7] = second, first
    [finding] = verify(bundle, tmp_path).findings
    assert finding.kind == REORDERED
    assert (finding.event_id, finding.other_event_id) == (first["id"], second["id"])


def test_a_forked_checkpoint_is_named(tmp_path: Path) -> None:
    log = signed_log()
    log.checkpoints.append(sign_note(Checkpoint(ORIGIN, 20, hashlib.sha256(b"other").digest()).text(), KEY))
    report = verify(of_streams(log, 1), tmp_path)
    assert [(f.kind, f.checkpoint_size) for f in report.findings] == [(FORKED_CHECKPOINT, 20)]


def test_a_proof_into_an_unsigned_size_is_named(tmp_path: Path) -> None:
    log = signed_log()
    bundle = of_streams(log, 3)
    record = bundle.inclusions[0]
    bundle.inclusions[0] = InclusionRecord(
        record.event_id, record.leaf_index, 45, tuple(log.tree.inclusion_proof(record.leaf_index, 45))
    )
    [finding] = verify(bundle, tmp_path).findings
    assert (finding.kind, finding.event_id, finding.leaf_index) == (UNSIGNED_CHECKPOINT, record.event_id, 3)


def test_a_period_holds_every_leaf_of_its_range(tmp_path: Path) -> None:
    log = signed_log()
    bundle = of_period(log, 20, 30)
    report = verify(bundle, tmp_path)
    assert report.ok, report.lines()
    assert report.events == 11 and report.unsigned_events == 0
    removed = bundle.events.pop(5)
    report = verify(bundle, tmp_path)
    assert [(f.kind, f.position, f.leaf_index) for f in report.findings] == [
        (BROKEN_LINK, 30, None),  # the next event of its stream
        (DELETED, None, 25),
    ]
    assert removed["position"] == 26


def test_the_command_prints_what_a_scoped_bundle_cannot_prove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = of_period(signed_log(), 20, 30).write(tmp_path / "bundle.jsonl")
    assert main(["verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "scope: period [2026-03-01T09:00:20+00:00, 2026-03-01T09:00:31+00:00), leaves 20..30" in out
    assert "cannot prove: any event outside the period's leaves" in out
