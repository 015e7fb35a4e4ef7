"""The in-memory audit log: leaves in order, signed checkpoints, proofs, the checkpoint policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from audit_fixtures import stored_events

from events.audit.leaf import LEAF_FORMAT, event_leaf_hash, event_record, leaf_bytes
from events.audit.log import AuditLog, CheckpointPolicy
from events.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from events.audit.note import Checkpoint, Signer, open_note

KEY = Signer.generate("guichet/intake")


def test_proofs_hold_against_the_signed_checkpoints() -> None:
    events = stored_events(70)
    log = AuditLog("guichet/intake", KEY)
    log.extend(events[:40])
    first = Checkpoint.parse(open_note(log.sign_checkpoint(), [KEY.verifier()]).text)
    log.extend(events[40:])
    second = Checkpoint.parse(open_note(log.sign_checkpoint(), [KEY.verifier()]).text)
    assert (first.size, second.size) == (40, 70)
    proof = log.inclusion_proof(str(events[33].id), 40)
    assert proof.index == 33
    assert verify_inclusion(event_leaf_hash(events[33]), 33, 40, proof.path, first.root)
    assert not verify_inclusion(event_leaf_hash(events[34]), 33, 40, proof.path, first.root)
    assert verify_consistency(40, 70, first.root, second.root, log.consistency_proof(40, 70))
    with pytest.raises(ValueError):
        log.append(events[0])


def test_the_leaf_covers_position_recorded_at_source_and_the_chain_hash() -> None:
    [event] = stored_events(1)
    record = event_record(event)
    assert leaf_hash(leaf_bytes(record)) == event_leaf_hash(event)
    assert leaf_bytes(record).startswith(b'{"format":"' + LEAF_FORMAT.encode())
    for field, value in [
        ("position", 2),
        ("recorded_at", "2026-03-01T09:00:00.000001+00:00"),
        ("source", "/guichet/other"),
        ("hash", "0" * 64),
        ("prev_hash", "1" * 64),
        ("stream_version", 9),
    ]:
        assert leaf_bytes({**record, field: value}) != leaf_bytes(record), field


def test_a_checkpoint_is_due_after_n_events_or_t_seconds() -> None:
    policy = CheckpointPolicy(every_events=100, every_seconds=5)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    assert policy.due(1, 0, t0, None)
    assert not policy.due(0, 0, t0, None)
    assert not policy.due(150, 150, t0 + timedelta(hours=1), t0)
    assert policy.due(250, 150, t0, t0)
    assert not policy.due(249, 150, t0 + timedelta(seconds=4.9), t0)
    assert policy.due(151, 150, t0 + timedelta(seconds=5), t0)
