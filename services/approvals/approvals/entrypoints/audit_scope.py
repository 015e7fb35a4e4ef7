"""Which of the approvals service's streams an audit bundle of a request holds: the streams of
its approvals (one per approval). Approvals keep no customer, so the service serves no
customer bundle; it knows a request it holds an approval of."""

from uuid import UUID

from approvals.bootstrap import bootstrap
from events.service.audit_scope import ScopedStreams, ScopeResolver, scoped_bundle_router
from events.service.runtime import ServiceRuntime

__all__ = ["RESOLVER", "router"]


async def request_streams(runtime: ServiceRuntime, request_id: UUID) -> ScopedStreams | None:
    streams = await bootstrap(runtime).views.approval_streams(request_id)
    return ScopedStreams(tuple(streams), None) if streams else None


RESOLVER = ScopeResolver(request=request_streams)
router = scoped_bundle_router(RESOLVER)
