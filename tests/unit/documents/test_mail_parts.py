"""The email parts that need no server: settings refused when unsafe, the backoff, the headers
that make replies thread, the relance wording, the maildir."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from documents.adapters.maildir import MaildirSender
from documents.adapters.smtp import MailSettings, SmtpPool
from documents.app.mail import Backoff, Mail, MailIdentity, RequestFacts, compose
from documents.app.relances import prepare_relance, relance_id_of
from events.catalogue import sla_clock as s

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_tls_none_with_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="in clear"):
        MailSettings(smtp_host="mail.local", smtp_tls="none", smtp_username="u", smtp_password="p")


def test_a_username_without_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="go together"):
        MailSettings(smtp_host="mail.local", smtp_username="u")


def test_the_pool_opens_as_many_connections_as_set_and_at_least_one() -> None:
    settings = MailSettings(smtp_host="mail.local", smtp_connections=7)
    assert len(SmtpPool(settings)._senders) == 7
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        MailSettings(smtp_host="mail.local", smtp_connections=0)


def test_ports_follow_the_tls_mode_unless_given() -> None:
    assert MailSettings(smtp_tls="starttls").port == 587
    assert MailSettings(smtp_tls="implicit").port == 465
    assert MailSettings(smtp_tls="implicit", smtp_port=2465).port == 2465


def test_backoff_doubles_up_to_its_cap_then_gives_up() -> None:
    backoff = Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=5), attempts=6)
    delays = [backoff.retry_at(n, NOW) for n in range(1, 7)]
    assert [d - NOW for d in delays[:5] if d] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=5),
    ]
    assert delays[5] is None


def test_message_id_and_references_thread_replies_on_the_request() -> None:
    identity = MailIdentity("support@acme.example")
    raw = compose(identity, "<DEM-1.x@acme.example>", ("a@b.example",), "Objet", "Texte", NOW, "DEM-1")
    message = message_from_bytes(raw, policy=default)
    assert message["Message-ID"] == "<DEM-1.x@acme.example>"
    assert message["References"] == "<DEM-1@acme.example>"
    assert message["From"] == "support@acme.example"


def relance_due(kind: s.RelanceKind = "collection", ordinal: int = 1) -> s.RelanceDue:
    return s.RelanceDue(
        request_id=uuid4(),
        ordinal=ordinal,
        customer_due_at=NOW - timedelta(days=1),
        due_at=NOW,
        latest_at=NOW + timedelta(days=1),
        emitted_at=NOW,
        kind=kind,
        missing_fields=("email",) if kind == "collection" else (),
    )


def facts(event: s.RelanceDue, language: str = "en", email: str | None = "sam@example.org") -> RequestFacts:
    return RequestFacts(
        event.request_id, "DEM-2026-000777", NOW - timedelta(days=2), "Refund", None, email, language
    )


def test_an_english_collection_relance_lists_what_is_missing_and_by_when() -> None:
    event = relance_due("collection", 2)
    mail = prepare_relance(event, facts(event), MailIdentity(), NOW)
    assert mail is not None
    message = message_from_bytes(mail.message, policy=default)
    assert message["Subject"] == "Follow-up on your request no. DEM-2026-000777"
    body = message.get_content()
    assert "we still need the following information: email" in body
    assert "already written" in body and "by 2026-12-04" in body
    assert (
        mail.details["relance_id"] == str(relance_id_of(event)) == str(relance_id_of(relance_due_copy(event)))
    )


def relance_due_copy(event: s.RelanceDue) -> s.RelanceDue:
    return s.RelanceDue.model_validate(event.model_dump())


def test_no_email_address_means_no_relance_email() -> None:
    event = relance_due()
    assert prepare_relance(event, facts(event, email=None), MailIdentity(), NOW) is None


async def test_the_maildir_receives_the_message_as_sent(tmp_path: Path) -> None:
    raw = compose(MailIdentity(), "<m1@guichet.localhost>", ("a@b.example",), "Objet", "Texte", NOW)
    await MaildirSender(tmp_path / "maildir").send(
        Mail("<m1@guichet.localhost>", "survey", "x@y", ("a@b",), raw)
    )
    (stored,) = list(mailbox.Maildir(tmp_path / "maildir", create=False))
    assert stored["Message-ID"] == "<m1@guichet.localhost>"


def test_an_english_informative_relance_expects_nothing_and_dates_the_next_news() -> None:
    event = relance_due("informative")
    mail = prepare_relance(event, facts(event), MailIdentity(), NOW)
    assert mail is not None and mail.details["kind"] == "informative"
    body = message_from_bytes(mail.message, policy=default).get_content()
    assert "taking longer than planned" in body and "nothing you need to do" in body
    assert "news of it by 2026-12-02" in body and "still waiting" not in body


def test_a_validation_relance_asks_to_confirm_before_the_no_answer_closure() -> None:
    event = relance_due("validation", 2)  # resolved the day before NOW: closed without answer 10 days after
    mail = prepare_relance(event, facts(event, "fr"), MailIdentity(), NOW)
    assert mail is not None and mail.details["kind"] == "validation"
    body = message_from_bytes(mail.message, policy=default).get_content()
    assert "Le 28/11/2026, nous vous avons apporté une solution" in body
    assert "confirmer avant le 08/12/2026" in body and "nous clôturerons la demande" in body
    assert "Nous vous avons déjà écrit à ce sujet." in body
    english = prepare_relance(event, facts(event), MailIdentity(), NOW)
    assert english is not None
    assert "Please confirm by 2026-12-08" in message_from_bytes(english.message, policy=default).get_content()
