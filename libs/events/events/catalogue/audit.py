"""Events of the verifiable audit, a platform context: every service produces them in its own
store, so they travel on its own topic (``guichet.<context>``), where the database cannot
rewrite what was published.

Stream per log (``stream_type="transparency_log"``, id = uuid5 of the log's origin): the
checkpoints the service signed, cosignatures it kept, alarms its verifier raised. Stream per
witnessed log in the witness's store (``stream_type="witnessed_log"``): the checkpoints it
cosigned. Sizes are Merkle tree sizes (RFC 9162), hashes base64 (as in checkpoint notes).
"""

from __future__ import annotations

from events.catalogue import DomainEvent


class CheckpointSigned(DomainEvent, type="audit.CheckpointSigned"):
    """The log signed its tree head. ``consistency`` proves it extends the previous one
    (``previous_size``/``previous_root``; empty when it is the first), so a witness checks it
    without the log's leaves."""

    origin: str
    size: int
    root: str
    note: str
    log_key: str
    previous_size: int
    previous_root: str | None
    consistency: list[str]


class CheckpointWitnessed(DomainEvent, type="audit.CheckpointWitnessed"):
    """A witness checked another log's checkpoint against the last one it cosigned and added
    its signature: ``note`` is the log's note with the witness's line."""

    origin: str
    size: int
    root: str
    note: str
    log_key: str
    witness: str
    witness_key: str


class IntegrityAlarmRaised(DomainEvent, type="audit.IntegrityAlarmRaised"):
    """The stored log no longer matches a signed checkpoint (``origin`` is this service's log),
    or a witnessed log forked (``origin`` is the other log). ``findings`` name events."""

    origin: str
    reason: str
    findings: list[str]
    event_ids: list[str]
