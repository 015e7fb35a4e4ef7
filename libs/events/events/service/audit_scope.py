"""Audit bundles asked by request or by customer, for a service that knows whose streams are whose.

A service declares how a request id and a customer id map to its streams with a
:class:`ScopeResolver` and adds :func:`scoped_bundle_router` to its routers: it then serves
``GET /audit/bundle/request/{request_id}`` and ``GET /audit/bundle/customer/{customer_id}``
(only those it has a resolver for). A service that declares none does not expose them; the
caller still has ``/audit/bundle/streams`` with the stream ids. The bundles are the
``streams`` bundles of :mod:`events.service.audit_routes` (same format, same verifier), for the
``auditor`` and ``dpo`` roles, each read recorded in the archive access log, with the
request's or customer's id as resource and the customer as context, before it is served;
404 when the service knows no such request or customer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from events.service.access import described_route
from events.service.audit_routes import (
    BUNDLE_READ,
    BUNDLE_RESPONSES,
    AccessLogDep,
    AllowedDep,
    AuditDep,
    bundle_response,
    streams_bundle_of,
)
from events.service.http import problem_route
from events.service.problems import Problem

if TYPE_CHECKING:
    from events.service.runtime import ServiceRuntime

__all__ = ["ResolveStreams", "ScopeResolver", "ScopedStreams", "scoped_bundle_router"]


@dataclass(frozen=True)
class ScopedStreams:
    """The streams a request or a customer owns in one service, and the customer whose data
    they are (the access log's context), when the service knows it."""

    streams: tuple[UUID, ...]
    customer_id: UUID | None


ResolveStreams = Callable[["ServiceRuntime", UUID], Awaitable[ScopedStreams | None]]
"""A request's or customer's streams in this service; ``None`` when it knows no such id."""


@dataclass(frozen=True)
class ScopeResolver:
    """How a service maps a request id and a customer id to its streams; either may be absent
    (a service that knows requests only serves no customer bundle)."""

    request: ResolveStreams | None = None
    customer: ResolveStreams | None = None


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def scoped_bundle_router(resolver: ScopeResolver) -> APIRouter:
    """The request and customer bundle routes the resolver can answer."""
    router = APIRouter(prefix="/audit", tags=["audit"], route_class=described_route(problem_route()))
    if resolver.request is not None:
        _add_request_route(router, resolver.request)
    if resolver.customer is not None:
        _add_customer_route(router, resolver.customer)
    return router


async def _served(
    audit: AuditDep, access_log: AccessLogDep, scoped: ScopedStreams | None, kind: str, id_: UUID
) -> Response:
    if scoped is None:
        raise Problem(404, "not-found", f"No such {kind}", f"this service knows no {kind} {id_}")
    await access_log.read(BUNDLE_READ, customer_id=scoped.customer_id, resource=f"audit/bundle/{kind}/{id_}")
    return bundle_response(await streams_bundle_of(audit, list(dict.fromkeys(scoped.streams))))


DESCRIPTION = (
    "Every stored event of the {what} in the log's order, each signed one with its inclusion "
    "proof into the latest checkpoint, the checkpoints and the consistency proofs between them "
    "(the `streams` bundle: `python -m events.audit verify` checks it offline). It proves these "
    "events were signed and link up; not that nothing came after a stream's last event. The "
    "read is recorded in the archive access log before it is served."
)


def _add_request_route(router: APIRouter, resolve: ResolveStreams) -> None:
    @router.get(
        "/bundle/request/{request_id}",
        summary="The audit bundle of one request: the streams this service keeps for it",
        description=DESCRIPTION.format(what="streams this service keeps for the request"),
        response_class=Response,
        responses=BUNDLE_RESPONSES,
    )
    async def request_bundle(
        _: AllowedDep, audit: AuditDep, access_log: AccessLogDep, request: Request, request_id: UUID
    ) -> Response:
        scoped = await resolve(_runtime(request), request_id)
        return await _served(audit, access_log, scoped, "request", request_id)


def _add_customer_route(router: APIRouter, resolve: ResolveStreams) -> None:
    @router.get(
        "/bundle/customer/{customer_id}",
        summary="The audit bundle of one customer: their records and all their requests' streams",
        description=DESCRIPTION.format(
            what="customer's streams in this service (their record, the records merged into it, "
            "and the streams of all their requests)"
        ),
        response_class=Response,
        responses=BUNDLE_RESPONSES,
    )
    async def customer_bundle(
        _: AllowedDep, audit: AuditDep, access_log: AccessLogDep, request: Request, customer_id: UUID
    ) -> Response:
        scoped = await resolve(_runtime(request), customer_id)
        return await _served(audit, access_log, scoped, "customer", customer_id)
