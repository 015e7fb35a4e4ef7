"""The only module that picks the documents service's concrete adapters and wires them.

``definition.extra`` may give ``organisation`` (Organisation), ``clock`` (an object with
``now()``), ``transmitters`` (channel -> Transmitter, replacing the defaults), ``mail_settings``
(``MailSettings``, else read from ``GUICHET_SMTP_*``), ``mail_backoff`` (``Backoff``) and
``mail_worker=False`` (no background sending: tests call ``MailWorker.drain``)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from documents.adapters.maildir import MaildirSender, maildir_path
from documents.adapters.outbox import SqlMailQueue
from documents.adapters.rendering import DocumentRenderer
from documents.adapters.smtp import MailSettings, SmtpPool
from documents.adapters.templating import SandboxedTemplates
from documents.adapters.transmitters import ChannelTransmitters, default_transmitters
from documents.adapters.unit_of_work import SqlUnitOfWork
from documents.adapters.views import DocumentViews
from documents.app.bus import documents_bus
from documents.app.mail import Backoff, EmailTransmitter, MailIdentity, MailSender, MailWorker, RequestFacts
from documents.app.ports import Renderer, TemplateEngine, UnitOfWork
from documents.domain.kinds import SendingChannel
from documents.domain.organisation import DEFAULT_ORGANISATION, Organisation
from events.application.bus import MessageBus
from events.persistence import SystemClock
from events.service.clock import RuntimeClock
from events.service.declaration import identity_of
from events.service.runtime import ServiceRuntime
from events.service.settings import refusal
from events.service.survey import SurveySigner


@dataclass(frozen=True)
class Mailroom:
    """Email out: the outbox's worker, where messages go, and what they are signed with."""

    worker: MailWorker
    identity: MailIdentity
    destination: str
    """``smtp`` or ``maildir``: the component ``/readyz`` reports."""
    survey_link: Callable[[RequestFacts, datetime], str | None]


@dataclass(frozen=True)
class Documents:
    bus: MessageBus
    views: DocumentViews
    clock: RuntimeClock
    organisation: Organisation
    renderer: Renderer
    templates: TemplateEngine
    uow: Callable[[], UnitOfWork]
    mail: Mailroom


def bootstrap(runtime: ServiceRuntime) -> Documents:
    """The service's use cases over the runtime's store; built once, kept in ``runtime.state``."""
    if "documents" not in runtime.state:
        extra = runtime.definition.extra
        runtime.state.setdefault("clock", extra.get("clock") or SystemClock())
        clock = RuntimeClock(runtime)
        organisation = extra.get("organisation") or DEFAULT_ORGANISATION
        renderer = DocumentRenderer()
        templates = SandboxedTemplates()
        try:
            settings = extra.get("mail_settings") or MailSettings()
        except ValidationError as error:
            raise refusal(runtime.definition.name, error) from None
        seller = organisation.seller
        identity = MailIdentity(settings.mail_from, f"Le service client, {seller.name}\n{seller.contact}")
        sender: MailSender
        if settings.smtp_host:
            sender, destination = SmtpPool(settings), "smtp"
        else:
            sender, destination = MaildirSender(maildir_path(runtime.settings.data_dir)), "maildir"
        email = EmailTransmitter(identity, clock)
        transmitter = ChannelTransmitters(
            {**default_transmitters(), SendingChannel.EMAIL: email, **extra.get("transmitters", {})}
        )
        worker: MailWorker

        def committed() -> None:
            runtime.committed()
            worker.wake()

        def uow() -> UnitOfWork:
            return SqlUnitOfWork(runtime.store, clock, committed)

        worker = MailWorker(
            SqlMailQueue(runtime.engine),
            sender,
            uow,
            clock,
            extra.get("mail_backoff") or Backoff(),
            parallel=settings.smtp_connections,
        )
        mail = Mailroom(worker, identity, destination, survey_links(runtime, settings))
        runtime.state.setdefault("readiness", {})[destination] = lambda: worker.health

        bus = documents_bus(
            uow,
            clock,
            organisation,
            renderer,
            templates,
            transmitter,
        )
        views = DocumentViews(runtime.engine)
        runtime.state["documents"] = Documents(
            bus, views, clock, organisation, renderer, templates, uow, mail
        )
    return runtime.state["documents"]


def running(runtime: ServiceRuntime) -> Documents | None:
    return runtime.state.get("documents")


def survey_links(
    runtime: ServiceRuntime, settings: MailSettings
) -> Callable[[RequestFacts, datetime], str | None]:
    """The survey link of a resolution: intake's ``POST /surveys/{token}``, the token signed
    with the same survey key intake reads it with (None without a key: no survey is sent)."""
    key = runtime.settings.survey_key
    base = settings.survey_url or f"http://{runtime.settings.host}:{identity_of('intake')['default_port']}"

    def link(facts: RequestFacts, resolved_at: datetime) -> str | None:
        if key is None:
            return None
        token, _ = SurveySigner(key).issue(facts.request_id, resolved_at)
        return f"{base.rstrip('/')}/surveys/{token}"

    return link
