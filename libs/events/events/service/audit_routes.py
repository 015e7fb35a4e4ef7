"""The audit endpoints every service serves: its signed checkpoints, proofs, and bundles.

An auditor fetches a checkpoint (a signed note, cosigned by witnesses), an inclusion proof of
an event in it, a consistency proof between two checkpoints, and the bundles the offline
verifier (``python -m events.audit verify``) checks: the whole log's, or a scoped one (some
streams: a request's, a customer's; or a period), each event with its inclusion proof. For
the ``auditor`` and ``dpo`` roles; every bundle read is recorded in the archive access log
before it is served (bundles hold the stored payloads); 404 on a service whose log is not
enabled. A service that knows whose streams are whose also serves bundles by request and by
customer (:mod:`events.service.audit_scope`).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from events.audit.bundle import LOG, PERIOD, STREAMS, Bundle, Scope, TrustedKey, build_scoped_bundle
from events.audit.service import ServiceAudit
from events.audit.transparency import StoredLogMismatch
from events.envelope import Envelope
from events.service.access import AccessPolicy, described_route, only
from events.service.auth import CurrentActor
from events.service.http import problem_route
from events.service.problems import Problem, answers

__all__ = [
    "BUNDLE_READ",
    "BUNDLE_RESPONSES",
    "POLICY",
    "READ_AUDIT",
    "AccessLogDep",
    "AllowedDep",
    "AuditDep",
    "bundle_response",
    "router",
    "streams_bundle_of",
]

READ_AUDIT = "platform:read-audit-log"
POLICY = AccessPolicy(
    {READ_AUDIT: only("auditor", "dpo", note="The audit log names every event (ids, types, positions).")}
)
BUNDLE_MEDIA_TYPE = "application/x-ndjson"
MAX_STREAMS = 200
BUNDLE_READ = "audit_bundle"
"""The access log's ``kind`` for a bundle read."""
BUNDLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {BUNDLE_MEDIA_TYPE: {}}, "description": "guichet-audit-bundle/2 lines"}
}

router = APIRouter(prefix="/audit", tags=["audit"], route_class=described_route(problem_route()))


class SignedCheckpoint(BaseModel):
    size: int = Field(description="Tree size: the checkpoint covers the first `size` events of the log.")
    root: str = Field(description="Base64 RFC 9162 root hash.")
    signed_at: datetime
    note: str = Field(description="The checkpoint as a signed note: the log's signature, then witnesses'.")


class Checkpoints(BaseModel):
    origin: str
    log_key: str = Field(description="The log's verifier key (signed-note format).")
    latest: SignedCheckpoint | None
    checkpoints: list[SignedCheckpoint]


class InclusionProofAnswer(BaseModel):
    event_id: str
    leaf_index: int
    leaf_hash: str
    tree_size: int
    hashes: list[str] = Field(description="Base64 audit path, leaf to root (RFC 9162 §2.1.3).")
    checkpoint: str = Field(description="The signed note of the checkpoint of `tree_size`.")


class ConsistencyProofAnswer(BaseModel):
    from_size: int
    to_size: int
    hashes: list[str] = Field(description="Base64 consistency proof (RFC 9162 §2.1.4).")
    from_checkpoint: str
    to_checkpoint: str


@answers(404, 503)
async def _audit(request: Request) -> ServiceAudit:
    audit: ServiceAudit | None = request.app.state.runtime.state.get("audit")
    if audit is None:
        raise Problem(404, "not-found", "No audit log", "this service's audit log is not enabled")
    try:
        await audit.refresh()
    except StoredLogMismatch:
        raise Problem(503, "audit-log-mismatch", "Audit log unavailable", "integrity alarm") from None
    return audit


class ReadLog(Protocol):
    """The archive access log as a route sees it (:class:`events.service.access_log.AccessLog`)."""

    async def read(self, kind: str, *, customer_id: UUID | None, resource: str) -> None: ...


async def _access_log(request: Request, actor: CurrentActor) -> ReadLog:
    # Imported here: events.service.access_log needs events.service.app, which includes this router.
    from events.service.access_log import get_access_log

    return await get_access_log(request.app.state.runtime, actor, request)


AllowedDep = Annotated[Any, POLICY.allow(READ_AUDIT)]
AuditDep = Annotated[ServiceAudit, Depends(_audit)]
AccessLogDep = Annotated[ReadLog, Depends(_access_log)]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def _signed(audit: ServiceAudit) -> dict[int, SignedCheckpoint]:
    return {
        size: SignedCheckpoint(size=size, root=_b64(root), signed_at=signed_at, note=note)
        for size, root, note, signed_at in await audit.checkpoint_notes()
    }


@router.get("/checkpoints", summary="The log's signed checkpoints, oldest first, and the latest")
async def checkpoints(_: AllowedDep, audit: AuditDep) -> Checkpoints:
    signed = list((await _signed(audit)).values())
    return Checkpoints(
        origin=audit.origin,
        log_key=audit.signer.verifier().text(),
        latest=signed[-1] if signed else None,
        checkpoints=signed,
    )


@router.get("/proofs/inclusion", summary="Proof that an event is in a signed checkpoint")
async def inclusion_proof(
    _: AllowedDep,
    audit: AuditDep,
    event_id: UUID,
    tree_size: Annotated[
        int | None, Query(ge=1, description="A checkpoint's size (default: the latest).")
    ] = None,
) -> InclusionProofAnswer:
    signed = await _signed(audit)
    size = tree_size if tree_size is not None else max(signed, default=0)
    if size not in signed:
        raise Problem(404, "not-found", "No such checkpoint", f"no signed checkpoint of size {size}")
    try:
        index = await audit.log.leaf_index(event_id)
    except LookupError:
        raise Problem(404, "not-found", "Not in the log", f"event {event_id} is not in the log yet") from None
    if index >= size:
        raise Problem(404, "not-found", "Not in this checkpoint", f"event {event_id} is after size {size}")
    return InclusionProofAnswer(
        event_id=str(event_id),
        leaf_index=index,
        leaf_hash=_b64(audit.log.tree.leaf(index)),
        tree_size=size,
        hashes=[_b64(hash_) for hash_ in audit.log.tree.inclusion_proof(index, size)],
        checkpoint=signed[size].note,
    )


@router.get("/proofs/consistency", summary="Proof that a later signed checkpoint extends an earlier one")
async def consistency_proof(
    _: AllowedDep,
    audit: AuditDep,
    from_size: Annotated[int, Query(alias="from", ge=1)],
    to_size: Annotated[int, Query(alias="to", ge=1)],
) -> ConsistencyProofAnswer:
    signed = await _signed(audit)
    missing = [size for size in (from_size, to_size) if size not in signed]
    if missing:
        raise Problem(404, "not-found", "No such checkpoint", f"no signed checkpoint of size {missing[0]}")
    if from_size > to_size:
        raise Problem(422, "invalid-range", "Invalid range", "`from` is after `to`")
    return ConsistencyProofAnswer(
        from_size=from_size,
        to_size=to_size,
        hashes=[_b64(hash_) for hash_ in audit.log.consistency_proof(from_size, to_size)],
        from_checkpoint=signed[from_size].note,
        to_checkpoint=signed[to_size].note,
    )


def bundle_response(bundle: Bundle) -> Response:
    return Response(b"".join(bundle.lines()), media_type=BUNDLE_MEDIA_TYPE)


@router.get(
    "/bundle",
    summary="The audit bundle of the whole log, for the offline verifier",
    response_class=Response,
    responses=BUNDLE_RESPONSES,
)
async def bundle(_: AllowedDep, audit: AuditDep, access_log: AccessLogDep) -> Response:
    await access_log.read(BUNDLE_READ, customer_id=None, resource="audit/bundle")
    return bundle_response(await audit.log.export_bundle())


StreamIds = Annotated[
    list[UUID],
    Query(
        alias="stream",
        min_length=1,
        max_length=MAX_STREAMS,
        description="The streams the bundle holds, every event of each (e.g. a request's, or a "
        "customer's requests': the service knows which streams are whose).",
    ),
]


@router.get(
    "/bundle/streams",
    summary="The audit bundle of some streams (a request, a customer), each event with its proof",
    description="Every stored event of the given streams in the log's order, each signed one with "
    "its inclusion proof into the latest checkpoint, the checkpoints and the consistency proofs "
    "between them. It proves these events were signed and link up; not that nothing came after "
    "a stream's last event, nor anything about other streams. The read is recorded in the "
    "archive access log (`customer_id`: whose data it is, when the caller knows).",
    response_class=Response,
    responses=BUNDLE_RESPONSES,
)
async def streams_bundle(
    _: AllowedDep,
    audit: AuditDep,
    access_log: AccessLogDep,
    stream: StreamIds,
    customer_id: UUID | None = None,
) -> Response:
    streams = list(dict.fromkeys(stream))
    await access_log.read(
        BUNDLE_READ,
        customer_id=customer_id,
        resource="audit/bundle/streams?" + "&".join(f"stream={stream_id}" for stream_id in streams),
    )
    return bundle_response(await streams_bundle_of(audit, streams))


async def streams_bundle_of(audit: ServiceAudit, streams: list[UUID]) -> Bundle:
    """Every stored event of ``streams`` (distinct, in the given order) in the log's order,
    those not in the log yet last; a :data:`STREAMS` scope naming the streams."""
    events: list[tuple[Envelope, int | None]] = []
    for stream_id in streams:
        for envelope in await audit.log.store.read_stream(stream_id):
            events.append((envelope, await _leaf_index(audit, envelope)))
    events.sort(key=lambda pair: (pair[1] is None, pair[1] or 0, pair[0].position or 0))
    scope = Scope(STREAMS, tuple(str(stream_id) for stream_id in streams))
    return await _scoped(audit, events, scope)


@router.get(
    "/bundle/period",
    summary="The audit bundle of a period, each event with its proof",
    description="The events recorded in `[from, to)`: every leaf of the log from the first of "
    "them to the last (so the verifier checks none is missing), each signed one with its "
    "inclusion proof, then those not in the log yet. It proves nothing about events outside "
    "that range. The read is recorded in the archive access log.",
    response_class=Response,
    responses=BUNDLE_RESPONSES,
)
async def period_bundle(
    _: AllowedDep,
    audit: AuditDep,
    access_log: AccessLogDep,
    since: Annotated[
        datetime, Query(alias="from", description="Recorded at or after (ISO 8601; UTC if naive).")
    ],
    until: Annotated[datetime, Query(alias="to", description="Recorded before.")],
) -> Response:
    since, until = _utc(since), _utc(until)
    if until <= since:
        raise Problem(422, "invalid-range", "Invalid range", "`to` is not after `from`")
    await access_log.read(
        BUNDLE_READ,
        customer_id=None,
        resource=f"audit/bundle/period?from={since.isoformat()}&to={until.isoformat()}",
    )
    events, leaves = await _period(audit, since, until)
    scope = Scope(PERIOD, since=since.isoformat(), until=until.isoformat(), leaves=leaves)
    return bundle_response(await _scoped(audit, events, scope))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def _leaf_index(audit: ServiceAudit, envelope: Envelope) -> int | None:
    try:
        return await audit.log.leaf_index(envelope.id)
    except LookupError:
        return None


async def _period(
    audit: ServiceAudit, since: datetime, until: datetime
) -> tuple[list[tuple[Envelope, int | None]], tuple[int, int] | None]:
    """The log's leaves from the first event recorded in ``[since, until)`` to the last, then
    the period's events the log does not hold yet; and that leaf range."""
    index_of = {leaf.event_id: leaf.leaf_index for leaf in await audit.log.recorded_leaves()}
    held: list[tuple[Envelope, int | None]] = []
    unsigned: list[tuple[Envelope, int | None]] = []
    first: int | None = None
    last = -1
    async for page in audit.log.store.iter_all(0, audit.log.page_size):
        for envelope in page:
            index = index_of.get(str(envelope.id))
            inside = envelope.recorded_at is not None and since <= envelope.recorded_at < until
            if index is None:
                if inside:
                    unsigned.append((envelope, None))
                continue
            if inside:
                first = index if first is None else first
                last = index
            if first is not None:
                held.append((envelope, index))
    in_range = [(envelope, index) for envelope, index in held if index is not None and index <= last]
    return in_range + unsigned, (first, last) if first is not None else None


async def _scoped(audit: ServiceAudit, events: list[tuple[Envelope, int | None]], scope: Scope) -> Bundle:
    return build_scoped_bundle(
        events,
        origin=audit.origin,
        checkpoints=await audit.log.checkpoints(),
        keys=[TrustedKey(audit.signer.verifier(), LOG)],
        tree=audit.log.tree,
        scope=scope,
    )
