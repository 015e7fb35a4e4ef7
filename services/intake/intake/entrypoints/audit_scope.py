"""Which of intake's streams an audit bundle of a request or a customer holds.

A request's bundle holds its stream (its interactions, decisions and surveys are events of
it); the approvals intake copies into its timeline are the approvals service's events, in
that service's bundle. A customer's holds their record, the records merged into it, and the
streams of all the requests of these records.
"""

from uuid import UUID

from events.service.audit_scope import ScopedStreams, ScopeResolver, scoped_bundle_router
from events.service.runtime import ServiceRuntime
from intake.bootstrap import bootstrap

__all__ = ["RESOLVER", "router"]


async def request_streams(runtime: ServiceRuntime, request_id: UUID) -> ScopedStreams | None:
    row = await bootstrap(runtime).views.request(request_id)
    return None if row is None else ScopedStreams((request_id,), row["customer_id"])


async def customer_streams(runtime: ServiceRuntime, customer_id: UUID) -> ScopedStreams | None:
    streams = await bootstrap(runtime).views.customer_streams(customer_id)
    return None if streams is None else ScopedStreams(tuple(streams), customer_id)


RESOLVER = ScopeResolver(request=request_streams, customer=customer_streams)
router = scoped_bundle_router(RESOLVER)
