"""Read-side use cases that need the aggregate: a document rendered as it stands now."""

from collections.abc import Callable
from uuid import UUID

from documents.app.ports import Renderer, UnitOfWork
from documents.app.rendering import Rendered, rendered
from documents.domain.organisation import Organisation


async def current_rendering(
    document_id: UUID, uow: Callable[[], UnitOfWork], organisation: Organisation, renderer: Renderer
) -> Rendered:
    """The document's HTML and hash as they are now (nothing is written: no commit)."""
    async with uow() as work:
        document = await work.documents.get(document_id)
        return await rendered(work, document, organisation, renderer)
