"""The documents command handlers, and the message bus that runs them with their dependencies."""

from collections.abc import Callable

from documents.app import commands as c
from documents.app import handlers as h
from documents.app.ports import Clock, Renderer, TemplateEngine, Transmitter, UnitOfWork
from documents.domain.organisation import Organisation
from events.application.bus import Handler, MessageBus

COMMAND_HANDLERS: dict[type, Handler] = {
    c.DraftDocument: h.draft_document,
    c.EditDocument: h.edit_document,
    c.IssueDocument: h.issue_document,
    c.SubmitDocument: h.submit_document,
    c.TransmitDocument: h.transmit_document,
    c.RecordDocumentSent: h.record_document_sent,
    c.RecordDeliveryFailed: h.record_delivery_failed,
    c.AcceptQuote: h.accept_quote,
    c.DefineTemplate: h.define_template,
}


def documents_bus(
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    organisation: Organisation,
    renderer: Renderer,
    templates: TemplateEngine,
    transmitter: Transmitter,
) -> MessageBus:
    return MessageBus(
        COMMAND_HANDLERS,
        uow=uow,
        clock=clock,
        organisation=organisation,
        renderer=renderer,
        templates=templates,
        transmitter=transmitter,
    )
