"""Email out through the outbox to a real SMTP server in process (aiosmtpd on loopback): a
validated document reaches the server once; the server down, it waits in the outbox, /readyz
says so, and it is delivered once the server is back; a crash between the server's acceptance
and the outbox update sends it again with the same Message-ID (at least once); a RelanceDue
becomes a relance email and a RelanceSent; the embedded default writes to a maildir."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from documents.adapters.smtp import MailSettings
from documents.app.relances import relance_id_of
from documents.bootstrap import Documents
from documents.entrypoints.mail_events import MailEvents
from documents.service import DEFINITION
from events.catalogue import DomainEvent
from events.catalogue import intake as i
from events.catalogue import sla_clock as s
from events.envelope import Envelope
from events.service.app import create_service_app
from events.service.settings import ServiceSettings
from events.service.survey import read_survey_token
from tests.api.documents.conftest import AGENT, Desk
from tests.api.documents.mail_server import Inbox, SmtpServer

START = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class MovableClock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def make_client(tmp_path: Path, clock: MovableClock, mail: MailSettings | None) -> TestClient:
    settings = ServiceSettings(service="documents", data_dir=tmp_path, log_json=False)
    extra: dict[str, Any] = {"clock": clock, "mail_worker": False}
    if mail is not None:
        extra["mail_settings"] = mail
    return TestClient(create_service_app(replace(DEFINITION, extra=extra), settings))


@pytest.fixture
def client(tmp_path: Path, clock: MovableClock, smtp: SmtpServer, wait_ready: Any) -> Iterator[TestClient]:
    mail = MailSettings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none")
    with make_client(tmp_path, clock, mail) as client:
        wait_ready(client)
        yield client


def documents_of(client: TestClient) -> Documents:
    documents: Documents = client.app.state.runtime.state["documents"]  # type: ignore[attr-defined]
    return documents


def drain(client: TestClient) -> int:
    assert client.portal is not None
    return int(client.portal.call(documents_of(client).mail.worker.drain))


def stream(client: TestClient, stream_id: UUID) -> list[DomainEvent]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert client.portal is not None
    envelopes = client.portal.call(runtime.store.read_stream, stream_id)
    return [envelope.decode() for envelope in envelopes]


def feed(client: TestClient, *events: DomainEvent) -> None:
    """Intake's and sla-clock's events through the documents consumer's handlers."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    documents = documents_of(client)
    handlers = MailEvents(documents.mail.identity, documents.clock.now, documents.mail.survey_link).handlers()

    async def consume() -> None:
        for event in events:
            async with runtime.engine.begin() as connection:
                envelope: Envelope = None  # type: ignore[assignment]
                await handlers[event.event_type](envelope, event, connection)

    assert client.portal is not None
    client.portal.call(consume)


def transmitted(client: TestClient) -> dict[str, Any]:
    desk = Desk(client)
    document = desk.submitted()
    desk.validate(document)
    response = desk.act(document, "transmit")
    assert response.status_code == 200, response.text
    return document


def test_a_validated_document_reaches_the_smtp_server_once(client: TestClient, smtp: SmtpServer) -> None:
    document = transmitted(client)
    assert drain(client) == 1
    assert drain(client) == 0
    assert len(smtp.inbox.received) == 1
    message = smtp.inbox.received[0]
    assert message["To"] == "achats@durand.example"
    assert document["document_id"] in message["Message-ID"]
    assert message["Subject"].startswith("DEV-2026-")
    pdf = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(pdf) == 1
    assert bytes(pdf[0].get_payload(decode=True)).startswith(b"%PDF")
    events = stream(client, UUID(document["document_id"]))
    assert [type(event).__name__ for event in events].count("DocumentSent") == 1
    assert client.get(f"/documents/{document['document_id']}", headers=AGENT).json()["status"] == "sent"


def test_server_down_the_message_waits_readyz_says_so_then_it_is_delivered_once(
    client: TestClient, smtp: SmtpServer, clock: MovableClock
) -> None:
    smtp.stop()
    document = transmitted(client)
    assert drain(client) == 1
    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["smtp"] == "unreachable"
    failed = [
        e for e in stream(client, UUID(document["document_id"])) if type(e).__name__ == "DeliveryFailed"
    ]
    assert [(e.attempt, e.final) for e in failed] == [(1, False)]  # type: ignore[attr-defined]
    assert drain(client) == 0, "not retried before its backoff"
    smtp.start()
    clock.advance(timedelta(seconds=31))
    assert drain(client) == 1
    assert len(smtp.inbox.received) == 1
    assert client.get("/readyz").json()["checks"]["smtp"] == "ok"
    kinds = [type(e).__name__ for e in stream(client, UUID(document["document_id"]))]
    assert kinds[-1] == "DocumentSent" and kinds.count("DocumentSent") == 1


def test_killed_after_the_server_accepted_it_is_sent_again_with_the_same_message_id(
    client: TestClient, smtp: SmtpServer, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least once: SMTP has no idempotent submission, so the stable Message-ID is what lets
    the receiving side recognise the duplicate."""
    document = transmitted(client)
    worker = documents_of(client).mail.worker

    async def killed(*args: Any) -> None:
        raise RuntimeError("killed before the outbox update")

    monkeypatch.setattr(worker, "_record", killed)
    with pytest.raises(RuntimeError, match="killed"):
        drain(client)
    assert len(smtp.inbox.received) == 1
    monkeypatch.undo()
    assert drain(client) == 0, "held by the dead worker's lease"
    clock.advance(worker.lease + timedelta(seconds=1))
    assert drain(client) == 1
    assert drain(client) == 0
    first, second = smtp.inbox.received
    assert first["Message-ID"] == second["Message-ID"]
    kinds = [type(e).__name__ for e in stream(client, UUID(document["document_id"]))]
    assert kinds.count("DocumentSent") == 1


def test_a_relance_due_becomes_a_relance_email_and_a_relance_sent(
    client: TestClient, smtp: SmtpServer
) -> None:
    request_id, customer_id = uuid4(), uuid4()
    received = START - timedelta(days=6)
    due = s.RelanceDue(
        request_id=request_id,
        ordinal=1,
        customer_due_at=START - timedelta(days=1),
        due_at=START,
        latest_at=START + timedelta(days=1),
        emitted_at=START,
    )
    feed(
        client,
        i.CustomerRegistered(
            customer_id=customer_id, profile="consumer", email="lea@example.org", language="fr"
        ),
        i.RequestReceived(
            request_id=request_id,
            reference="DEM-2026-000123",
            customer_id=customer_id,
            channel="email",
            received_at=received,
            subject="Facture en double",
        ),
        i.AwaitingCustomer(request_id=request_id, at=received, expected="la copie de votre facture"),
        due,
        due,
    )
    assert drain(client) == 1
    (message,) = smtp.inbox.received
    assert message["Subject"] == "Suivi de votre demande n°DEM-2026-000123"
    assert message["To"] == "lea@example.org"
    assert message["References"] == "<DEM-2026-000123@guichet.localhost>"
    body = message.get_content()  # type: ignore[attr-defined]
    assert f"{received:%d/%m/%Y}" in body and "la copie de votre facture" in body
    assert "02/12/2026" in body, "what is expected, and by when"
    (sent,) = stream(client, relance_id_of(due))
    assert type(sent).__name__ == "RelanceSent"
    assert sent.request_id == request_id and sent.ordinal == 1  # type: ignore[attr-defined]
    assert sent.kind == "customer_response" and sent.channel == "email"  # type: ignore[attr-defined]
    assert sent.sent_at == START and len(sent.content_hash) == 64  # type: ignore[attr-defined]


def test_a_resolved_request_sends_the_survey_link_intake_reads(client: TestClient, smtp: SmtpServer) -> None:
    request_id = uuid4()
    feed(
        client,
        i.RequestReceived(
            request_id=request_id,
            reference="DEM-2026-000124",
            contact="paul@example.org",
            channel="email",
            received_at=START,
        ),
        i.RequestResolved(request_id=request_id, resolution="refund", at=START + timedelta(hours=2)),
    )
    assert drain(client) == 1
    (message,) = smtp.inbox.received
    assert message["To"] == "paul@example.org"
    assert "DEM-2026-000124" in message["Subject"]
    link = next(line for line in message.get_content().splitlines() if "/surveys/" in line)  # type: ignore[attr-defined]
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    named = read_survey_token(runtime.settings, link.rpartition("/")[2], START + timedelta(days=1))
    assert named.request_id == request_id


def test_the_embedded_default_writes_to_a_maildir_under_the_data_directory(
    tmp_path: Path, clock: MovableClock, wait_ready: Any
) -> None:
    with make_client(tmp_path, clock, MailSettings(smtp_host=None)) as client:
        wait_ready(client)
        document = transmitted(client)
        assert drain(client) == 1
        messages = list(mailbox.Maildir(tmp_path / "maildir", create=False))
        assert len(messages) == 1
        assert document["document_id"] in messages[0]["Message-ID"]
        assert client.get("/readyz").json()["checks"]["maildir"] == "ok"


class RefusingInbox(Inbox):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 No such mailbox"


def test_a_permanent_refusal_is_a_final_delivery_failure_without_retry(
    client: TestClient, smtp: SmtpServer, clock: MovableClock
) -> None:
    smtp.stop()
    smtp.inbox = RefusingInbox()
    smtp.start()
    document = transmitted(client)
    assert drain(client) == 1
    clock.advance(timedelta(days=2))
    assert drain(client) == 0
    failed = [
        e for e in stream(client, UUID(document["document_id"])) if type(e).__name__ == "DeliveryFailed"
    ]
    assert [(e.attempt, e.final) for e in failed] == [(1, True)]  # type: ignore[attr-defined]
    assert "550" in failed[0].reason  # type: ignore[attr-defined]
    assert smtp.inbox.received == []
    assert client.get("/readyz").json()["checks"]["smtp"] == "ok", (
        "the server is up: a bounce is not unreadiness"
    )
