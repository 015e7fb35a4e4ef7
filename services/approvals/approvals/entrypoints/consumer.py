"""Approvals' consumer: the SLA clock's calendars (``calendar_consumer``), the documents
submitted for validation, each turned into an approval request in the transaction that
marks the event handled (once per document and content hash: a redelivery finds it), and
retention's erasures and purges (its clear copies blanked, its report recorded:
``events.service.erasure``)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.projection import PROJECTORS
from approvals.adapters.tables import approvals
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.app import commands as c
from approvals.app.documents import approval_id_of, submission_of
from approvals.app.handlers import submit_for_approval
from approvals.bootstrap import bootstrap
from approvals.domain.errors import AlreadySubmitted
from approvals.entrypoints.calendar_consumer import CALENDAR_HANDLERS
from events.catalogue import DomainEvent
from events.catalogue.approvals import SubjectDataErased
from events.catalogue.documents import DocumentSubmittedForValidation
from events.consumer import Consumer, Handler
from events.envelope import Envelope, Metadata
from events.service.erasure import erasure_handlers
from events.service.runtime import ServiceRuntime

CONSUMER_NAME = "approvals-calendars"
"""The name the calendar consumer had: its checkpoints stay valid."""

log = logging.getLogger(__name__)


def document_handler(runtime: ServiceRuntime) -> Handler:
    async def requested(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        assert isinstance(event, DocumentSubmittedForValidation)
        approval_id = approval_id_of(event)
        known = select(approvals.c.approval_id).where(approvals.c.approval_id == approval_id)
        if (await connection.execute(known)).first() is not None:
            return
        submission = submission_of(event, envelope.metadata.actor)
        context = bootstrap(runtime)
        uow = SqlUnitOfWork(runtime.store, context.clock, runtime.committed).joining(connection)
        command = c.SubmitForApproval(
            approval_id, submission, Metadata(causation_id=envelope.id, actor=submission.author)
        )
        try:
            await submit_for_approval(command, uow, context.clock)
        except AlreadySubmitted as already:
            log.info("document %s: content already submitted (%s)", event.document_id, already)

    return requested


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    handlers: dict[str, Handler] = {
        **CALENDAR_HANDLERS,
        DocumentSubmittedForValidation.event_type: document_handler(runtime),
        **erasure_handlers(runtime, SubjectDataErased, PROJECTORS),
    }
    return Consumer(CONSUMER_NAME, runtime.engine, handlers)
