"""HTTP routes of documents: draft, read (metadata, HTML, PDF), edit, issue, submit,
transmit (the validation gate), delivery, acceptance, lists by request and by customer."""

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from documents.app import commands as c
from documents.app.queries import current_rendering
from documents.domain.document import DraftContent
from documents.entrypoints import schemas as s
from documents.entrypoints.access import AccessRoute, Permission, allow, document_in_reach
from documents.entrypoints.deps import DocumentsDep
from events.application.errors import NotFound
from events.ids import new_id
from events.service.access import read_scope
from events.service.auth import CurrentActor
from events.service.deps import MetadataDep
from events.service.http import field_problem
from events.service.problems import problem_response

router = APIRouter(prefix="/documents", tags=["documents"], route_class=AccessRoute)
READ = [allow(Permission.READ_DOCUMENTS)]
READ_IN_REACH = [*READ, Depends(document_in_reach)]
WRITE = [allow(Permission.WRITE_DOCUMENTS)]


def draft_of(body: s.DocumentBody) -> tuple[DraftContent, tuple[c.NewAttachment, ...]]:
    attachments = tuple(
        c.NewAttachment(name=a.name, media_type=a.media_type, data=a.content) for a in body.attachments
    )
    return DraftContent(body.content, tuple(body.recipients), body.channel), attachments


async def read_document(documents: DocumentsDep, document_id: UUID) -> s.DocumentRead:
    row = await documents.views.document(document_id)
    if row is None:
        raise NotFound("document", document_id)
    return s.DocumentRead(**row)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=s.DocumentRead,
    summary="Draft a document (no number yet); 422 naming every missing or invalid field",
    dependencies=WRITE,
)
async def draft_document(
    body: s.DocumentCreate, metadata: MetadataDep, documents: DocumentsDep, response: Response
) -> s.DocumentRead:
    draft, attachments = draft_of(body)
    document = await documents.bus.handle(
        c.DraftDocument(
            metadata=metadata,
            document_id=new_id(),
            kind=body.kind,
            customer_id=body.customer_id,
            request_id=body.request_id,
            profile=body.profile,
            language=body.language,
            draft=draft,
            new_attachments=attachments,
        )
    )
    response.headers["Location"] = f"/documents/{document.id}"
    return await read_document(documents, document.id)


@router.get(
    "", response_model=s.DocumentList, summary="Documents of a request or of a customer", dependencies=READ
)
async def list_documents(
    documents: DocumentsDep,
    actor: CurrentActor,
    request_id: Annotated[UUID | None, Query()] = None,
    customer_id: Annotated[UUID | None, Query()] = None,
) -> s.DocumentList:
    if request_id is None and customer_id is None:
        raise field_problem("request_id", "give request_id or customer_id", "query")
    scope = read_scope(actor)
    rows = await documents.views.listed(request_id=request_id, customer_id=customer_id, scope=scope)
    return s.DocumentList(items=[s.DocumentRead(**row) for row in rows])


@router.get(
    "/{document_id}.pdf",
    summary="The document as a print-ready PDF (PDF/A-3b), as it stands now",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    dependencies=READ_IN_REACH,
)
async def document_pdf(document_id: UUID, documents: DocumentsDep) -> Response:
    current = await current_rendering(document_id, documents.uow, documents.organisation, documents.renderer)
    pdf = await asyncio.to_thread(documents.renderer.pdf, current.what)
    return Response(pdf, media_type="application/pdf", headers={"X-Content-Hash": current.content_hash})


@router.get(
    "/{document_id}.html",
    summary="The document as HTML (the canonical rendering the content hash covers)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
    dependencies=READ_IN_REACH,
)
async def document_html(document_id: UUID, documents: DocumentsDep) -> Response:
    current = await current_rendering(document_id, documents.uow, documents.organisation, documents.renderer)
    return Response(
        current.html, media_type="text/html; charset=utf-8", headers={"X-Content-Hash": current.content_hash}
    )


async def renderings_are_read_only(request: Request) -> Response:
    """Without it, ``PUT /documents/{id}.pdf`` would reach the edit route and answer 422."""
    detail = "renderings are read with GET"
    return problem_response(
        request, 405, "method-not-allowed", "Method Not Allowed", detail, {"Allow": "GET"}
    )


for _rendering in ("pdf", "html"):
    router.api_route(
        f"/{{document_id}}.{_rendering}",
        methods=["PUT", "POST", "PATCH", "DELETE", "OPTIONS", "TRACE"],
        include_in_schema=False,
        dependencies=READ,
    )(renderings_are_read_only)


@router.get(
    "/{document_id}", response_model=s.DocumentRead, summary="A document's metadata", dependencies=READ
)
async def get_document(row: Annotated[dict[str, Any], Depends(document_in_reach)]) -> s.DocumentRead:
    return s.DocumentRead(**row)


@router.put(
    "/{document_id}",
    response_model=s.DocumentRead,
    summary="Edit a document (any validation of the previous content no longer covers it)",
    dependencies=WRITE,
)
async def edit_document(
    document_id: UUID, body: s.DocumentEdit, metadata: MetadataDep, documents: DocumentsDep
) -> s.DocumentRead:
    draft, attachments = draft_of(body)
    await documents.bus.handle(
        c.EditDocument(metadata=metadata, document_id=document_id, draft=draft, new_attachments=attachments)
    )
    return await read_document(documents, document_id)


def _action(command: type[Any], summary: str, permission: Permission) -> None:
    async def act(document_id: UUID, metadata: MetadataDep, documents: DocumentsDep) -> s.DocumentRead:
        await documents.bus.handle(command(metadata=metadata, document_id=document_id))
        return await read_document(documents, document_id)

    path = ACTIONS[command]
    act.__name__ = f"{path}_document"
    router.post(
        f"/{{document_id}}/{path}",
        response_model=s.DocumentRead,
        summary=summary,
        dependencies=[allow(permission)],
    )(act)


ACTIONS = {
    c.IssueDocument: "issue",
    c.SubmitDocument: "submit",
    c.TransmitDocument: "transmit",
    c.RecordDocumentSent: "posted",
    c.AcceptQuote: "accept",
}
_action(
    c.IssueDocument, "Issue: the next number of the kind's series for the year", Permission.WRITE_DOCUMENTS
)
_action(
    c.SubmitDocument,
    "Submit for validation: the SHA-256 of the exact rendered content goes to approvals",
    Permission.WRITE_DOCUMENTS,
)
_action(
    c.TransmitDocument,
    "Transmit: 409 unless a validation is in force for the exact content (edited since: 409)",
    Permission.TRANSMIT_DOCUMENTS,
)
_action(c.RecordDocumentSent, "Record that the letter was posted (DocumentSent)", Permission.RECORD_DELIVERY)
_action(
    c.AcceptQuote,
    "Record the customer's acceptance: the quote becomes a contract",
    Permission.WRITE_DOCUMENTS,
)
