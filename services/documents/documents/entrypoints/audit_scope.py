"""Which of the documents service's streams an audit bundle of a request or a customer holds:
the streams of their documents (one per document). A relance is a stream of its own that no
read model indexes by request, so it is not in these bundles (the caller names it with
``/audit/bundle/streams``). The service knows a request or customer it holds documents of."""

from uuid import UUID

from documents.bootstrap import bootstrap
from events.service.audit_scope import ScopedStreams, ScopeResolver, scoped_bundle_router
from events.service.runtime import ServiceRuntime

__all__ = ["RESOLVER", "router"]


async def request_streams(runtime: ServiceRuntime, request_id: UUID) -> ScopedStreams | None:
    owned = await bootstrap(runtime).views.document_streams(request_id=request_id)
    if not owned:
        return None
    customers = {customer_id for _, customer_id in owned}
    return ScopedStreams(
        tuple(document for document, _ in owned), owned[0][1] if len(customers) == 1 else None
    )


async def customer_streams(runtime: ServiceRuntime, customer_id: UUID) -> ScopedStreams | None:
    owned = await bootstrap(runtime).views.document_streams(customer_id=customer_id)
    return ScopedStreams(tuple(document for document, _ in owned), customer_id) if owned else None


RESOLVER = ScopeResolver(request=request_streams, customer=customer_streams)
router = scoped_bundle_router(RESOLVER)
