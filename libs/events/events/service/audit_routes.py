"""The audit endpoints every service serves: its signed checkpoints, proofs, and bundle.

An auditor fetches a checkpoint (a signed note, cosigned by witnesses), an inclusion proof of
an event in it, a consistency proof between two checkpoints, and the bundle the offline
verifier (``python -m events.audit verify``) checks. For the ``auditor`` and ``dpo`` roles;
404 on a service whose log is not enabled.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from events.audit.service import ServiceAudit
from events.audit.transparency import StoredLogMismatch
from events.service.access import AccessPolicy, described_route, only
from events.service.http import problem_route
from events.service.problems import Problem, answers

__all__ = ["POLICY", "router"]

READ_AUDIT = "platform:read-audit-log"
POLICY = AccessPolicy(
    {READ_AUDIT: only("auditor", "dpo", note="The audit log names every event (ids, types, positions).")}
)
BUNDLE_MEDIA_TYPE = "application/x-ndjson"

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


AllowedDep = Annotated[Any, POLICY.allow(READ_AUDIT)]
AuditDep = Annotated[ServiceAudit, Depends(_audit)]


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


@router.get(
    "/bundle",
    summary="The audit bundle of the whole log, for the offline verifier",
    response_class=Response,
    responses={200: {"content": {BUNDLE_MEDIA_TYPE: {}}, "description": "guichet-audit-bundle/1 lines"}},
)
async def bundle(_: AllowedDep, audit: AuditDep) -> Response:
    exported = await audit.log.export_bundle()
    return Response(b"".join(exported.lines()), media_type=BUNDLE_MEDIA_TYPE)
