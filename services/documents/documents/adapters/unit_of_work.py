"""The documents unit of work: the kit's, with documents, templates, numbering, validations,
template sources and attachments, all in its one store transaction."""

from collections.abc import Callable

from documents.adapters.outbox import SqlMailOutbox, project_relance
from documents.adapters.projection import PROJECTORS
from documents.adapters.stores import SqlAttachments, SqlNumbering, SqlTemplateSources, SqlValidations
from documents.app.ports import Attachments, MailOutbox, Numbering, TemplateSources, Validations
from documents.domain.document import Document
from documents.domain.relance import Relance
from documents.domain.template import Template
from events.application.ports import Clock, Repository
from events.persistence import SqlUnitOfWork as KitUnitOfWork
from events.store import SqlEventStore, Transaction

PROJECTORS.register(Relance, project_relance)


class SqlUnitOfWork(KitUnitOfWork):
    def __init__(self, store: SqlEventStore, clock: Clock, on_commit: Callable[[], None]) -> None:
        super().__init__(store, PROJECTORS, clock, on_commit)

    def open(self, tx: Transaction) -> None:
        connection = tx.connection
        self.documents: Repository[Document] = self.repository(Document, "document")
        self.templates: Repository[Template] = self.repository(Template, "template")
        self.numbering: Numbering = SqlNumbering(connection)
        self.validations: Validations = SqlValidations(connection)
        self.template_sources: TemplateSources = SqlTemplateSources(connection)
        self.attachments: Attachments = SqlAttachments(connection)
        self.relances: Repository[Relance] = self.repository(Relance, "relance")
        self.mail: MailOutbox = SqlMailOutbox(connection)
