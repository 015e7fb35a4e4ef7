"""The transparency log inside a running service: fold, sign, publish, verify, witness.

:class:`ServiceAudit` is what the kit runs (``events.service.audit_job``): each
:meth:`~ServiceAudit.step` folds the events stored since the last one into the service's
:class:`TransparencyLog`, signs checkpoints as the policy says, and records each new one as
a ``CheckpointSigned`` event (with the consistency proof from the previous one), which the
relay publishes on ``guichet.audit``. :meth:`~ServiceAudit.verify_pass` is the background
verifier's pass: most check only what was signed since the last verified checkpoint
(:meth:`~ServiceAudit.verify_new`, :mod:`events.audit.recheck`), every ``full_every``-th the
whole stored log against the stored checkpoints (:meth:`~ServiceAudit.verify`). A finding
raises the alarm: the ``guichet_audit_integrity_alarm`` gauge, an error log, ``/readyz``
``audit: integrity alarm`` and an ``IntegrityAlarmRaised`` event naming the events.

:class:`Witness` is what every other service with a log runs on the ``CheckpointSigned``
events it consumes from ``guichet.audit``: the note's signature by the log's key (configured,
else pinned on first sight), the consistency proof from the checkpoint it last cosigned; then
it cosigns and records ``CheckpointWitnessed``.
A fork raises ``IntegrityAlarmRaised`` in the witness's store instead.

The log's own bookkeeping events (``CheckpointSigned``, ``CheckpointWitnessed``) are leaves
like any other, but never make a checkpoint due on time alone: two services witnessing each
other would otherwise sign for ever.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

import structlog
from prometheus_client import Counter, Gauge
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.audit.leaf import event_record, record_leaf_hash
from events.audit.leaf_source import LeafPage
from events.audit.log import CheckpointPolicy
from events.audit.merkle import verify_consistency
from events.audit.note import Checkpoint, Note, Signer, Verifier, cosign, open_note, parse_note
from events.audit.recheck import VerifiedCheckpoint, check_leaves, check_new_checkpoints
from events.audit.transparency import Clock, StoredLogMismatch, TransparencyLog, utc_now
from events.audit.verify import UNSIGNED_CHECKPOINT, Finding, Report
from events.audit.verify import _chain as check_chain
from events.catalogue.audit import CheckpointSigned, CheckpointWitnessed, IntegrityAlarmRaised
from events.db import reading
from events.envelope import Envelope
from events.store import SqlEventStore
from events.store.sql import Transaction
from events.tables import audit_checkpoints

log = structlog.get_logger(__name__)

INTEGRITY_ALARM = Gauge(
    "guichet_audit_integrity_alarm",
    "1 while the stored log does not match a signed checkpoint (or a witnessed log forked)",
    ["origin"],
)
CHECKPOINTS_SIGNED = Counter("guichet_audit_checkpoints_signed_total", "Checkpoints signed", ["origin"])
AUDIT_NAMESPACE = uuid.UUID("6f1d9a52-0c1e-4f7e-9a43-5b0c8e7d2a11")
LOG_STREAM = "transparency_log"
WITNESSED_STREAM = "witnessed_log"
Integrity = Literal["verified", "pending", "tampered"]
VERIFIED: Integrity = "verified"
PENDING: Integrity = "pending"
TAMPERED: Integrity = "tampered"
HOUSEKEEPING = frozenset({CheckpointSigned.event_type, CheckpointWitnessed.event_type})


def log_stream_id(origin: str) -> UUID:
    return uuid.uuid5(AUDIT_NAMESPACE, f"log:{origin}")


def witnessed_stream_id(origin: str) -> UUID:
    return uuid.uuid5(AUDIT_NAMESPACE, f"witnessed:{origin}")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class QuietPolicy(CheckpointPolicy):
    """Due every N events, or after T seconds only when some leaf since the last checkpoint is
    not the log's own bookkeeping (``pending`` counts those leaves)."""

    pending: int = 0

    def due(self, size: int, last_size: int, now: datetime, last_at: datetime | None) -> bool:
        if size - last_size >= self.every_events:
            return size > last_size
        return self.pending > 0 and super().due(size, last_size, now, last_at)


class ServiceLog(TransparencyLog):
    """The transparency log, counting the leaves that may make a checkpoint due on time."""

    policy: QuietPolicy

    async def _fold(self, page: LeafPage) -> None:
        first_index = self.size
        await super()._fold(page)
        since = max(0, self.checkpoint_size - first_index)
        fresh = sum(1 for type_ in page.types[since:] if type_ not in HOUSEKEEPING)
        self.policy.pending = fresh if since else self.policy.pending + fresh

    async def _sign(self, connection: AsyncConnection, size: int) -> str:
        note = await super()._sign(connection, size)
        if size == self.size:
            self.policy.pending = 0
        CHECKPOINTS_SIGNED.labels(self.origin).inc()
        return note


@dataclass
class Alarm:
    raised: bool = False
    reason: str = ""
    findings: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


class ServiceAudit:
    """One service's log. Only one process per database steps it (the caller holds the lead)."""

    def __init__(
        self,
        store: SqlEventStore,
        *,
        origin: str,
        signer: Signer,
        every_events: int = 1000,
        every_seconds: float = 5.0,
        clock: Clock = utc_now,
        full_every: int = 10,
        window: int = 10_000,
    ) -> None:
        self.store = store
        self.origin = origin
        self.signer = signer
        self.log = ServiceLog(
            store,
            origin=origin,
            signer=signer,
            policy=QuietPolicy(every_events=every_events, every_seconds=every_seconds),
            clock=clock,
        )
        self.stream_id = log_stream_id(origin)
        self.alarm = Alarm()
        self.full_every = max(1, full_every)
        self.passes = 0
        """Background verification passes so far (see :meth:`verify_pass`)."""
        self.verified = VerifiedCheckpoint()
        """The last checkpoint whose leaves a pass verified against the stored events."""
        self.window = window
        """Older leaves an incremental pass checks again (0: none)."""
        self.window_start = 0
        self.loaded = False
        self._published_size = 0
        self._published_root: bytes | None = None
        self._stream_version = 0
        self._lock = asyncio.Lock()
        self.leading = False
        """True in the process that folds and signs (the others read the stored log)."""
        self.refresh_seconds = 1.0
        self._refreshed_at = -1e9

    @property
    def readiness(self) -> str:
        return "integrity alarm" if self.alarm.raised else "ok"

    async def load(self) -> None:
        """The log's own stream first (so an alarm can be recorded), then the stored tree
        (:class:`StoredLogMismatch` when it no longer gives the last signed root)."""
        for envelope in await self.store.read_stream(self.stream_id):
            self._stream_version = envelope.stream_version
            event = envelope.decode()
            if isinstance(event, CheckpointSigned):
                self._published_size = event.size
                self._published_root = base64.b64decode(event.root)
        await self.log.load()
        self.loaded = True

    async def reload(self) -> None:
        """Forget what is in memory: the next step or verification reads the stored log again."""
        async with self._lock:
            self.loaded = False

    async def step(self) -> int:
        """Fold what is new, sign what is due, publish what was signed. Returns the events folded."""
        async with self._lock:
            if not self.loaded:
                await self.load()
            folded = await self.log.catch_up()
            await self._publish_signed()
            return folded

    async def _publish_signed(self) -> None:
        if self.log.checkpoint_size <= self._published_size:
            return  # nothing signed since the last one published (only the leader signs)
        async with reading(self.store.engine) as connection:
            rows = await connection.execute(
                select(audit_checkpoints.c.size, audit_checkpoints.c.root, audit_checkpoints.c.note)
                .where(audit_checkpoints.c.size > self._published_size)
                .order_by(audit_checkpoints.c.size)
            )
            unpublished = rows.all()
        for size, root, note in unpublished:
            previous = self._published_size
            proof = self.log.consistency_proof(previous, size) if previous else []
            event = CheckpointSigned(
                origin=self.origin,
                size=size,
                root=_b64(root),
                note=note,
                log_key=self.signer.verifier().text(),
                previous_size=previous,
                previous_root=_b64(self._published_root) if self._published_root else None,
                consistency=[_b64(hash_) for hash_ in proof],
            )
            await self._record(event)
            self._published_size, self._published_root = size, bytes(root)

    async def _record(self, event: CheckpointSigned | IntegrityAlarmRaised) -> None:
        envelopes = await self.store.append(self.stream_id, LOG_STREAM, self._stream_version, [event])
        self._stream_version = envelopes[-1].stream_version

    async def verify_pass(self) -> Report | None:
        """One pass of the background verifier: every ``full_every``-th pass (the first
        included) re-reads the whole log (:meth:`verify`), the others only what was signed
        since the last verified checkpoint (:meth:`verify_new`)."""
        full = self.passes % self.full_every == 0
        self.passes += 1
        return await (self.verify() if full else self.verify_new())

    async def verify(self) -> Report | None:
        """The whole stored log against the stored checkpoints; raises the alarm naming what
        it finds, clears it when nothing is found. None when the stored tree itself no longer
        gives the signed root (the alarm is raised: the log's tables were rewritten)."""
        async with self._lock:
            if not await self._loaded_or_alarm():
                return None
            report = await self.log.verify_stored()
            if self.log.checkpoint_size == 0 and report.kinds() <= {UNSIGNED_CHECKPOINT}:
                return report  # nothing signed yet: nothing to hold the stored log to
            if report.ok:
                if self.alarm.raised:
                    log.warning("audit.integrity_alarm_cleared", origin=self.origin)
                self.alarm = Alarm()
                INTEGRITY_ALARM.labels(self.origin).set(0)
                size = report.signed_size
                self.verified = VerifiedCheckpoint(size, self.log.tree.root(size))
                return report
            await self._alarm_on(report)
            return report

    async def verify_new(self) -> Report:
        """The checkpoints signed since the last verified one and the leaves they add, each
        against its stored event (:mod:`events.audit.recheck`), then the next ``window``
        older leaves (a rolling window over the verified range, from its start again once
        past its end); raises the alarm naming what it finds. Moves on to the newest
        checkpoint only when nothing new is found, so a finding there is found again by the
        next pass; only a clean full pass clears the alarm."""
        async with self._lock:
            report = Report(self.origin, signed_size=self.verified.size)
            if not await self._loaded_or_alarm():
                return report
            verified = self.verified
            last = await check_new_checkpoints(self.log, verified, report)
            await check_leaves(self.log, verified.size, last.size, report)
            if report.ok:
                self.verified = last
                report.signed_size = last.size
            await self._check_window(verified.size, report)
            if not report.ok:
                await self._alarm_on(report)
            return report

    async def _check_window(self, verified_size: int, report: Report) -> None:
        """The next ``window`` leaves of the range verified before this pass."""
        if not self.window or not verified_size:
            return
        start = self.window_start if self.window_start < verified_size else 0
        end = min(start + self.window, verified_size)
        await check_leaves(self.log, start, end, report)
        self.window_start = end

    async def _loaded_or_alarm(self) -> bool:
        if self.loaded:
            return True
        try:
            await self.load()
        except StoredLogMismatch as mismatch:
            await self._raise_alarm(f"stored tree: {mismatch}", [f"stored tree: {mismatch}"], [])
            return False
        return True

    async def _alarm_on(self, report: Report) -> None:
        findings = [finding.line() for finding in report.findings]
        event_ids = sorted({f.event_id for f in report.findings if f.event_id})
        await self._raise_alarm("stored log does not match a signed checkpoint", findings, event_ids)

    async def _raise_alarm(self, reason: str, findings: list[str], event_ids: list[str]) -> None:
        """Keep the alarm up with these findings; record and log those not raised yet."""
        INTEGRITY_ALARM.labels(self.origin).set(1)
        new_findings = [f for f in findings if f not in self.alarm.findings]
        if not new_findings:
            return
        new_ids = [i for i in event_ids if i not in self.alarm.event_ids]
        self.alarm = Alarm(
            True, reason, [*self.alarm.findings, *new_findings], sorted({*self.alarm.event_ids, *event_ids})
        )
        log.error(
            "audit.integrity_alarm",
            origin=self.origin,
            reason=reason,
            findings=new_findings,
            event_ids=new_ids,
        )
        await self._record(
            IntegrityAlarmRaised(origin=self.origin, reason=reason, findings=new_findings, event_ids=new_ids)
        )

    async def keep_cosignature(self, event: CheckpointWitnessed, connection: AsyncConnection) -> bool:
        """Store a witness's cosigned copy of one of our checkpoints, in the caller's
        transaction (False: another log's, or a checkpoint we do not hold)."""
        if event.origin != self.origin:
            return False
        parsed = parse_note(event.note)
        open_note(event.note, [self.signer.verifier(), Verifier.from_text(event.witness_key)])
        size = Checkpoint.parse(parsed.text).size
        stored = (
            await connection.execute(select(audit_checkpoints.c.note).where(audit_checkpoints.c.size == size))
        ).scalar_one_or_none()
        if stored is None or parse_note(stored).text != parsed.text:
            log.warning("audit.cosignature_refused", origin=self.origin, size=size, witness=event.witness)
            return False
        known = {line.line() for line in parse_note(stored).signatures}
        added = [line for line in parsed.signatures if line.line() not in known]
        if added:
            merged = Note(parsed.text, parse_note(stored).signatures + tuple(added)).message()
            await connection.execute(
                audit_checkpoints.update().where(audit_checkpoints.c.size == size).values(note=merged)
            )
        return True

    async def refresh(self) -> None:
        """Read the stored log again, in a process that does not fold it (not the leader)."""
        if self.leading:
            return
        async with self._lock:
            now = time.monotonic()
            if now - self._refreshed_at >= self.refresh_seconds:
                await self.log.load()
                self._refreshed_at = now

    async def checkpoint_notes(self) -> list[tuple[int, bytes, str, datetime]]:
        async with reading(self.store.engine) as connection:
            rows = await connection.execute(
                select(
                    audit_checkpoints.c.size,
                    audit_checkpoints.c.root,
                    audit_checkpoints.c.note,
                    audit_checkpoints.c.signed_at,
                ).order_by(audit_checkpoints.c.size)
            )
            return [(size, bytes(root), note, signed_at) for size, root, note, signed_at in rows]

    async def integrity(self, envelopes: Sequence[Envelope]) -> dict[UUID, Integrity]:
        """Each event of one stream (read from its first version): ``verified`` when its chain
        holds and its leaf is the one a signed checkpoint covers, ``pending`` when it holds but
        is newer than the last checkpoint, ``tampered`` otherwise."""
        await self.refresh()
        signed = self.log.checkpoint_size
        tails: dict[str, tuple[int, str]] = {}
        statuses: dict[UUID, Integrity] = {}
        for envelope in envelopes:
            record = event_record(envelope)
            findings: list[Finding] = []
            chain_holds = check_chain(record, tails, findings) and not findings
            try:
                index: int | None = await self.log.leaf_index(envelope.id)
            except LookupError:
                index = None
            if not chain_holds:
                statuses[envelope.id] = TAMPERED
            elif index is None or index >= signed or index >= self.log.size:
                statuses[envelope.id] = PENDING
            else:
                same = self.log.tree.leaf(index) == record_leaf_hash(record)
                statuses[envelope.id] = VERIFIED if same else TAMPERED
        return statuses


class WitnessRefusal(Exception):
    """A checkpoint the witness does not cosign: bad signature, or not an extension of the last."""


@dataclass
class _Witnessed:
    """The witness's stream for one log: its version and the checkpoint last cosigned (size 0:
    none yet)."""

    version: int = 0
    log_key: str = ""
    size: int = 0
    root: bytes = b""


class Witness:
    """Cosigns the checkpoints of the logs whose topics this service consumes."""

    def __init__(
        self,
        store: SqlEventStore,
        signer: Signer,
        *,
        name: str,
        trusted: Mapping[str, Verifier] | None = None,
    ) -> None:
        self.store = store
        self.signer = signer
        self.name = name
        self.trusted = dict(trusted or {})
        """Origin -> the key its checkpoints must be signed by; a log not named here is
        trusted on the key of its first checkpoint seen."""
        self._seen: dict[str, _Witnessed] = {}

    async def witness(
        self, event: CheckpointSigned, connection: AsyncConnection
    ) -> CheckpointWitnessed | None:
        """Check and cosign ``event`` in the consumer's transaction; a refusal records an alarm.
        None when the log is our own, the checkpoint not newer than the last cosigned, or refused."""
        if event.log_key == self.signer.verifier().text():
            return None
        tx = Transaction(self.store, connection)
        stream_id = witnessed_stream_id(event.origin)
        last = await self._last(tx, stream_id, self._seen.pop(event.origin, None))
        if last.size and event.size <= last.size:
            self._seen[event.origin] = last
            return None
        try:
            cosigned = self._check(event, last)
        except WitnessRefusal as refusal:
            INTEGRITY_ALARM.labels(event.origin).set(1)
            log.error("audit.witness_refused", origin=event.origin, size=event.size, reason=str(refusal))
            alarm = IntegrityAlarmRaised(origin=event.origin, reason=str(refusal), findings=[], event_ids=[])
            await tx.append(stream_id, WITNESSED_STREAM, last.version, [alarm])
            return None
        witnessed = CheckpointWitnessed(
            origin=event.origin,
            size=event.size,
            root=event.root,
            note=cosigned,
            log_key=self.log_key(event, last),
            witness=self.name,
            witness_key=self.signer.verifier().text(),
        )
        envelopes = await tx.append(stream_id, WITNESSED_STREAM, last.version, [witnessed])
        self._seen[event.origin] = _Witnessed(
            envelopes[-1].stream_version, witnessed.log_key, event.size, base64.b64decode(event.root)
        )
        return witnessed

    def log_key(self, event: CheckpointSigned, last: _Witnessed) -> str:
        """The key ``event``'s log must sign with: the configured one, else the one pinned
        on first sight."""
        configured = self.trusted.get(event.origin)
        return configured.text() if configured else last.log_key or event.log_key

    def _check(self, event: CheckpointSigned, last: _Witnessed) -> str:
        log_key = self.log_key(event, last)
        try:
            verified = open_note(event.note, [Verifier.from_text(log_key)])
            checkpoint = Checkpoint.parse(verified.text)
        except ValueError as error:
            raise WitnessRefusal(f"checkpoint {event.size} not signed by the log's key: {error}") from None
        if (checkpoint.origin, checkpoint.size, _b64(checkpoint.root)) != (
            event.origin,
            event.size,
            event.root,
        ):
            raise WitnessRefusal(f"checkpoint {event.size}: the note says otherwise than the event")
        if last.size:
            proof = [base64.b64decode(hash_) for hash_ in event.consistency]
            if event.previous_size != last.size or event.previous_root != _b64(last.root):
                raise WitnessRefusal(
                    f"checkpoint {event.size} extends size {event.previous_size}, "
                    f"not the cosigned size {last.size} (fork)"
                )
            if not verify_consistency(last.size, event.size, last.root, checkpoint.root, proof):
                raise WitnessRefusal(f"no consistency from size {last.size} to {event.size} (fork)")
        return cosign(event.note, self.signer)

    @staticmethod
    async def _last(tx: Transaction, stream_id: UUID, cached: _Witnessed | None) -> _Witnessed:
        """The stream's state, read from the cached version on (the whole stream when the cache
        is empty, or stale: a consumer transaction rolled back after it was cached)."""
        if cached is not None and cached.version:
            tail = await tx.read_stream(stream_id, cached.version)
            if tail and tail[0].stream_version == cached.version:
                last = cached
                envelopes = tail[1:]
            else:
                last, envelopes = _Witnessed(), await tx.read_stream(stream_id)
        else:
            last, envelopes = _Witnessed(), await tx.read_stream(stream_id)
        for envelope in envelopes:
            last.version = envelope.stream_version
            event = envelope.decode()
            if isinstance(event, CheckpointWitnessed):
                last.log_key, last.size, last.root = event.log_key, event.size, base64.b64decode(event.root)
        return last


def checkpoint_of(note: str) -> Checkpoint:
    return Checkpoint.parse(parse_note(note).text)
