"""What a document looks like now, and the hash a validation of it must cover."""

from dataclasses import dataclass

from documents.app.ports import Renderer, RenderInput, UnitOfWork
from documents.domain.content_hash import content_hash
from documents.domain.document import Document
from documents.domain.organisation import Organisation


@dataclass(frozen=True)
class Rendered:
    what: RenderInput
    html: bytes
    content_hash: str


async def render_input(uow: UnitOfWork, document: Document, organisation: Organisation) -> RenderInput:
    source = await uow.template_sources.source(
        document.kind, document.language, document.profile, document.template_version
    )
    return RenderInput(document, source, organisation)


async def rendered(
    uow: UnitOfWork, document: Document, organisation: Organisation, renderer: Renderer
) -> Rendered:
    what = await render_input(uow, document, organisation)
    html = renderer.html(what)
    hashes = [str(attachment["sha256"]) for attachment in document.attachments]
    return Rendered(
        what, html, content_hash(document.id, html, hashes, document.recipients, document.channel.value)
    )
