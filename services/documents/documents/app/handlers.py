"""Handlers of the documents commands: load, decide (domain), commit. One transaction each."""

from documents.app import commands as c
from documents.app.ports import Clock, Outgoing, Renderer, TemplateEngine, Transmitter, UnitOfWork
from documents.app.rendering import rendered
from documents.domain.content import check_content, lines_of
from documents.domain.content_hash import sha256_hex
from documents.domain.document import Document, DraftContent
from documents.domain.errors import FieldProblem, InvalidDocument
from documents.domain.kinds import DocumentKind, Profile
from documents.domain.money import totals_of
from documents.domain.organisation import Organisation
from documents.domain.requirements import minimum_level
from documents.domain.template import Template, template_id_of
from events.application.errors import NotFound


def actor(metadata: object) -> str:
    return getattr(metadata, "actor", None) or "system"


async def checked_draft(
    uow: UnitOfWork,
    kind: DocumentKind,
    profile: Profile,
    draft: DraftContent,
    new: tuple[c.NewAttachment, ...],
    organisation: Organisation,
) -> DraftContent:
    """The draft with its new attachments stored and listed; every problem refused together."""
    problems: list[FieldProblem] = []
    try:
        check_content(kind, profile, draft.content, organisation)
    except InvalidDocument as error:
        problems.extend(error.problems)
    limit = organisation.attachment_limit_bytes
    problems.extend(
        FieldProblem(f"attachments[{index}].content", f"over the size limit of {limit} bytes")
        for index, attachment in enumerate(new)
        if len(attachment.data) > limit
    )
    if problems:
        raise InvalidDocument(problems)
    listed = []
    for attachment in new:
        digest = sha256_hex(attachment.data)
        await uow.attachments.store(digest, attachment.data)
        listed.append(
            {
                "name": attachment.name,
                "media_type": attachment.media_type,
                "size": len(attachment.data),
                "sha256": digest,
            }
        )
    return DraftContent(draft.content, draft.recipients, draft.channel, tuple(listed))


async def draft_document(
    cmd: c.DraftDocument, uow: UnitOfWork, clock: Clock, organisation: Organisation
) -> Document:
    async with uow:
        draft = await checked_draft(uow, cmd.kind, cmd.profile, cmd.draft, cmd.new_attachments, organisation)
        version = await uow.template_sources.latest_version(cmd.kind, cmd.language, cmd.profile)
        document = Document.draft(
            cmd.document_id,
            cmd.kind,
            cmd.customer_id,
            cmd.request_id,
            cmd.profile,
            cmd.language,
            draft,
            version,
            actor(cmd.metadata),
            clock.now(),
        )
        uow.documents.add(document)
        await uow.commit(cmd.metadata)
    return document


async def edit_document(
    cmd: c.EditDocument, uow: UnitOfWork, clock: Clock, organisation: Organisation
) -> Document:
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        draft = await checked_draft(
            uow, document.kind, document.profile, cmd.draft, cmd.new_attachments, organisation
        )
        document.edit(draft, actor(cmd.metadata), clock.now())
        await uow.commit(cmd.metadata)
    return document


async def issue_document(cmd: c.IssueDocument, uow: UnitOfWork, clock: Clock) -> Document:
    """The number is taken in this transaction: if anything fails, it is given back."""
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        now = clock.now()
        sequence = await uow.numbering.next_sequence(f"{document.kind.series_prefix}-{now.year:04d}")
        document.issue(now.year, sequence, now)
        await uow.commit(cmd.metadata)
    return document


async def submit_document(
    cmd: c.SubmitDocument, uow: UnitOfWork, clock: Clock, organisation: Organisation, renderer: Renderer
) -> Document:
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        current = await rendered(uow, document, organisation, renderer)
        amount = str(totals_of(lines_of(document.content)).gross) if document.kind.has_lines else None
        level = minimum_level(document.kind, document.content)
        document.submit(current.content_hash, level, amount, actor(cmd.metadata), clock.now())
        await uow.commit(cmd.metadata)
    return document


async def transmit_document(
    cmd: c.TransmitDocument,
    uow: UnitOfWork,
    clock: Clock,
    organisation: Organisation,
    renderer: Renderer,
    transmitter: Transmitter,
) -> Document:
    """The gate: the content is rendered again and hashed; only a validation in force for that
    exact hash lets it through, and the sender gets it in the same transaction."""
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        current = await rendered(uow, document, organisation, renderer)
        approval = await uow.validations.in_force(current.content_hash)
        document.transmit(current.content_hash, approval, actor(cmd.metadata), clock.now())
        assert document.number is not None
        outgoing = Outgoing(
            document_id=document.id,
            request_id=document.request_id,
            customer_id=document.customer_id,
            kind=document.kind,
            number=document.number,
            language=document.language,
            channel=document.channel,
            recipients=document.recipients,
            subject=subject_of(document),
            html=current.html,
            pdf=renderer.pdf(current.what),
            attachments=document.attachments,
            content_hash=current.content_hash,
        )
        await transmitter.hand_over(outgoing, uow)
        await uow.commit(cmd.metadata)
    return document


def subject_of(document: Document) -> str:
    reference = document.content.get("file_reference")
    label = document.kind.value.replace("_", " ")
    return f"{document.number} {label}" + (f" ({reference})" if reference else "")


async def record_document_sent(cmd: c.RecordDocumentSent, uow: UnitOfWork, clock: Clock) -> Document:
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        document.mark_sent(clock.now())
        await uow.commit(cmd.metadata)
    return document


async def record_delivery_failed(cmd: c.RecordDeliveryFailed, uow: UnitOfWork, clock: Clock) -> Document:
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        document.delivery_failed(cmd.reason, cmd.attempt, cmd.final, clock.now())
        await uow.commit(cmd.metadata)
    return document


async def accept_quote(cmd: c.AcceptQuote, uow: UnitOfWork, clock: Clock) -> Document:
    async with uow:
        document = await uow.documents.get(cmd.document_id)
        document.accept(clock.now())
        await uow.commit(cmd.metadata)
    return document


async def define_template(
    cmd: c.DefineTemplate, uow: UnitOfWork, clock: Clock, templates: TemplateEngine
) -> int:
    """Refused when saved if it does not render for its kind; else the next version."""
    templates.check(cmd.kind, cmd.language, cmd.source)
    async with uow:
        template_id = template_id_of(cmd.kind, cmd.language, cmd.profile)
        try:
            template = await uow.templates.get(template_id)
        except NotFound:
            template = Template(template_id)
            uow.templates.add(template)
        version = template.define(
            cmd.kind, cmd.language, cmd.profile, cmd.source, actor(cmd.metadata), clock.now()
        )
        await uow.commit(cmd.metadata)
    return version
