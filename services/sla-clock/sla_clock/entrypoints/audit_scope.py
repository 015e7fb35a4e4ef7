"""Which of the SLA clock's streams an audit bundle of a request holds: the request's SLA
stream (the warnings and breaches fired for it; none before a deadline fires). The clock
knows a request it has facts of. It keeps no customer, so it serves no customer bundle."""

from uuid import UUID

from events.service.audit_scope import ScopedStreams, ScopeResolver, scoped_bundle_router
from events.service.runtime import ServiceRuntime
from sla_clock.bootstrap import sla_of
from sla_clock.domain.streams import request_stream

__all__ = ["RESOLVER", "router"]


async def request_streams(runtime: ServiceRuntime, request_id: UUID) -> ScopedStreams | None:
    if await sla_of(runtime).read.request(request_id) is None:
        return None
    return ScopedStreams((request_stream(request_id),), None)


RESOLVER = ScopeResolver(request=request_streams)
router = scoped_bundle_router(RESOLVER)
