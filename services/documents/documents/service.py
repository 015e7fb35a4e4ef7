"""Wiring of the Documents service for the service kit (adapters are chosen in ``bootstrap``).

Name, context and port come from the service declaration (events/service/services.toml).
It consumes approvals' decisions to keep its own view of the validations in force, intake's
requests and customers and sla-clock's relances due (emails: relances, surveys), and
retention's erasures and purges (its clear copies blanked); its background job sends the email
outbox."""

from pathlib import Path

from documents.adapters.maildir import maildir_path
from documents.adapters.smtp import MailSettings
from documents.bootstrap import bootstrap, running
from documents.entrypoints import audit_scope, documents, templates
from documents.entrypoints.consumer import erasure, make_consumer
from documents.entrypoints.mail_events import MailEvents
from events.consumer import Consumer
from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition, ServiceRuntime
from events.service.settings import ServiceSettings


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    documents = bootstrap(runtime)
    mail = MailEvents(documents.mail.identity, documents.clock.now, documents.mail.survey_link)
    return make_consumer(runtime.engine, mail, erasure(runtime))


async def run_mail_worker(runtime: ServiceRuntime) -> None:
    if runtime.definition.extra.get("mail_worker", True):
        await bootstrap(runtime).mail.worker.run()


async def stop_mail_worker(runtime: ServiceRuntime) -> None:
    documents = running(runtime)
    if documents is not None:
        documents.mail.worker.stop()


def mail_banner(settings: ServiceSettings) -> str:
    """``make run``'s line saying where the embedded default's emails go."""
    if MailSettings().smtp_host:
        return "Mail: sent through the SMTP server (GUICHET_SMTP_HOST)"
    return f"Mail: no SMTP server configured, messages are written to {maildir_path(settings.data_dir)}"


DEFINITION = ServiceDefinition(
    **identity_of("documents"),
    title="Documents",
    routers=(documents.router, templates.router, audit_scope.router),
    migrations=Path(__file__).parent / "adapters" / "migrations",
    consumes=("approvals", "intake", "sla_clock", "retention"),
    consumer_factory=build_consumer,
    background=(run_mail_worker,),
    on_stop=(stop_mail_worker,),
    extra={"banner": mail_banner},
)
