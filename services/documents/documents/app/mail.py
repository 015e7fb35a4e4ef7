"""Email out through an outbox (docs/domain.md §8, §13).

A message accepted for sending is a row of the outbox, written in the transaction that
records why it leaves (``DocumentTransmitted``, or the consumed ``RelanceDue`` /
``RequestResolved``): both commit or neither does, so nothing is lost while the mail server
is down. ``MailWorker`` claims due rows, hands each to the ``MailSender`` (SMTP, or a maildir
on the embedded default) and records the outcome with the row's update in one transaction:
``DocumentSent`` / ``RelanceSent`` on acceptance, ``DeliveryFailed`` per failed attempt
(``final`` on a bounce or when retries are exhausted), retries spaced by ``Backoff``.

The guarantee is **at least once** to the mail server, with a stable ``Message-ID``: a
process killed after the server accepted a message and before the outcome committed sends it
again (same Message-ID, so the receiving side can drop the duplicate) once the claim's lease
has passed. Exactly once is not possible over SMTP, which has no idempotent submission."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import structlog

from documents.domain.errors import IllegalDocumentState
from documents.domain.relance import Relance
from events.envelope import Metadata

if TYPE_CHECKING:
    from documents.app.ports import Clock, Outgoing, UnitOfWork

log = structlog.get_logger()

WORKER = Metadata(actor="documents:mail")


@dataclass(frozen=True)
class MailIdentity:
    """Who the messages come from, and the domain of their Message-IDs."""

    sender: str = "service-client@guichet.localhost"
    signature: str = "Le service client"

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "guichet.localhost"


@dataclass(frozen=True)
class RequestFacts:
    """What documents keeps of one of intake's requests to write to its customer: minimal."""

    request_id: UUID
    reference: str
    received_at: datetime
    subject: str | None = None
    customer_id: UUID | None = None
    email: str | None = None
    language: str = "fr"
    expected: str | None = None


@dataclass(frozen=True)
class Mail:
    """One message in the outbox: its bytes as they will be sent, and why it leaves."""

    message_id: str
    purpose: str
    """``document``, ``relance`` or ``survey``: what acceptance records."""
    sender: str
    recipients: tuple[str, ...]
    message: bytes
    request_id: UUID | None = None
    document_id: UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)
    """For a relance: ``relance_id``, ``kind``, ``ordinal``, ``content``."""

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.message).hexdigest()


@dataclass(frozen=True)
class Claimed:
    mail: Mail
    failed_attempts: int


class MailOutbox(Protocol):
    """The outbox and the requests' facts, in the unit of work's transaction."""

    async def put(self, mail: Mail, now: datetime) -> None: ...

    async def delivered(self, deliveries: Sequence[tuple[str, datetime]]) -> None:
        """Each ``(message_id, accepted_at)`` sent: its bytes dropped, in one statement."""
        ...

    async def failed(self, message_id: str, attempt: int, reason: str, retry_at: datetime | None) -> None:
        """``retry_at`` None: no retry follows (a bounce, or retries exhausted)."""
        ...

    async def request(self, request_id: UUID) -> RequestFacts | None: ...


class MailQueue(Protocol):
    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        """Due rows, each held for ``lease`` (other workers skip it, and it is due again after
        the lease if this one dies before recording the outcome)."""
        ...

    async def postpone(self, message_ids: Sequence[str], until: datetime) -> None: ...

    async def waiting(self) -> int:
        """Messages not yet accepted and not given up."""
        ...


@dataclass(frozen=True)
class Outcome:
    """One attempt: accepted at ``at`` when ``reason`` is None; else failed, retried at
    ``retry_at`` (None: never)."""

    mail: Mail
    at: datetime
    attempt: int
    reason: str | None = None
    retry_at: datetime | None = None
    unreachable: bool = False


class DeliveryDeferred(Exception):
    """The server is down or answered a temporary refusal (4xx): try again later."""

    def __init__(self, reason: str, unreachable: bool) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


class DeliveryRefused(Exception):
    """A permanent refusal (5xx): the message bounced, no retry."""


class MailSender(Protocol):
    async def send(self, mail: Mail) -> None:
        """Returns once the server accepted ``mail``; else ``DeliveryDeferred`` / ``DeliveryRefused``."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failed: ``first`` doubling up to ``longest``;
    None after ``attempts`` failures (about a day with the defaults)."""

    first: timedelta = timedelta(seconds=30)
    longest: timedelta = timedelta(hours=1)
    attempts: int = 30

    def retry_at(self, failed: int, now: datetime) -> datetime | None:
        if failed >= self.attempts:
            return None
        return now + min(self.first * 2 ** (failed - 1), self.longest)


def compose(
    identity: MailIdentity,
    message_id: str,
    recipients: Sequence[str],
    subject: str,
    text: str,
    now: datetime,
    reference: str | None = None,
    html: bytes | None = None,
    files: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """The RFC 5322 bytes: ``References`` names the request's thread so replies group."""
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(now)
    message["From"] = identity.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    if reference:
        message["References"] = thread_of(reference, identity)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html.decode("utf-8"), subtype="html")
    for name, media_type, data in files:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message.as_bytes()


def thread_of(reference: str, identity: MailIdentity) -> str:
    return f"<{reference}@{identity.domain}>"


def request_subject(subject: str, reference: str | None, language: str) -> str:
    if not reference:
        return subject
    label = "Demande n°" if language == "fr" else "Request no. "
    return f"{subject} ({label}{reference})"


class EmailTransmitter:
    """The email channel's ``Transmitter``: the message goes into the outbox, in the transaction
    that records ``DocumentTransmitted``; the worker sends it after the commit."""

    def __init__(self, identity: MailIdentity, clock: Clock, wake: Callable[[], None] = lambda: None) -> None:
        self.identity, self.clock, self.wake = identity, clock, wake

    async def hand_over(self, outgoing: Outgoing, uow: UnitOfWork) -> None:
        facts = await uow.mail.request(outgoing.request_id) if outgoing.request_id else None
        reference = facts.reference if facts else None
        files = [(f"{outgoing.number}.pdf", "application/pdf", outgoing.pdf)]
        for attachment in outgoing.attachments:
            data = await uow.attachments.load(attachment["sha256"])
            files.append((attachment["name"], attachment["media_type"], data))
        now = self.clock.now()
        message_id = f"<{reference or outgoing.number}.{outgoing.document_id}@{self.identity.domain}>"
        text = (
            "Veuillez trouver ci-joint notre document."
            if outgoing.language == "fr"
            else "Please find our document attached."
        )
        message = compose(
            self.identity,
            message_id,
            outgoing.recipients,
            request_subject(outgoing.subject, reference, outgoing.language),
            f"{text}\n\n{self.identity.signature}\n",
            now,
            reference,
            outgoing.html,
            files,
        )
        mail = Mail(
            message_id,
            "document",
            self.identity.sender,
            outgoing.recipients,
            message,
            outgoing.request_id,
            outgoing.document_id,
        )
        await uow.mail.put(mail, now)
        self.wake()


class MailWorker:
    """Sends what the outbox holds; see the module's docstring for the guarantee."""

    def __init__(
        self,
        queue: MailQueue,
        sender: MailSender,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        backoff: Backoff = Backoff(),
        batch: int = 200,
        lease: timedelta = timedelta(minutes=2),
        poll_seconds: float = 1.0,
        parallel: int = 4,
    ) -> None:
        self.queue, self.sender, self.uow, self.clock = queue, sender, uow, clock
        self.backoff, self.batch, self.lease, self.poll_seconds = backoff, batch, lease, poll_seconds
        self.parallel = parallel
        """Messages handed over at once (as many as the sender has connections)."""
        self.health = "ok"
        """``ok``, ``unreachable`` (the server is down) or ``refusing`` (it answers 4xx)."""
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        try:
            while not self._stopping:
                try:
                    sent = await self.drain()
                except Exception:
                    log.exception("documents.mail_worker_failed")
                    sent = 0
                if sent < self.batch and not self._stopping:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                    self._wake.clear()
        finally:
            await self.sender.close()

    async def drain(self) -> int:
        """One batch of due messages, how many were due. ``parallel`` of them are handed to the
        server at a time; meanwhile the outcomes known so far are recorded, each group in one
        transaction, so the database work overlaps the hand-over. A crash before a group's
        commit sends its messages again (same Message-IDs) once the lease has passed."""
        now = self.clock.now()
        claimed = await self.queue.claim(now, self.lease, self.batch)
        if claimed:
            await _Delivery(self, claimed, start_before=now + self.lease * 3 / 4).run()
        return len(claimed)

    async def attempt(self, item: Claimed) -> Outcome:
        attempt = item.failed_attempts + 1
        try:
            await self.sender.send(item.mail)
        except DeliveryRefused as refused:
            return Outcome(item.mail, self.clock.now(), attempt, f"refused: {refused}")
        except DeliveryDeferred as deferred:
            self.health = "unreachable" if deferred.unreachable else "refusing"
            log.warning("documents.mail_deferred", message_id=item.mail.message_id, attempt=attempt)
            now = self.clock.now()
            retry_at = self.backoff.retry_at(attempt, now)
            return Outcome(item.mail, now, attempt, str(deferred), retry_at, deferred.unreachable)
        self.health = "ok"
        return Outcome(item.mail, self.clock.now(), attempt)

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        async with self.uow() as uow:
            deliveries: list[tuple[str, datetime]] = []
            for outcome in outcomes:
                if outcome.reason is None:
                    await self._sent(uow, outcome.mail, outcome.at)
                    deliveries.append((outcome.mail.message_id, outcome.at))
                else:
                    await self._failed(uow, outcome)
            await uow.mail.delivered(deliveries)
            await uow.commit(WORKER)

    async def _sent(self, uow: UnitOfWork, mail: Mail, at: datetime) -> None:
        if mail.purpose == "document" and mail.document_id is not None:
            document = await uow.documents.get(mail.document_id)
            with contextlib.suppress(IllegalDocumentState):
                document.mark_sent(at)
        elif mail.purpose == "relance" and mail.request_id is not None:
            uow.relances.add(
                Relance.sent(
                    UUID(mail.details["relance_id"]),
                    mail.request_id,
                    mail.details["kind"],
                    int(mail.details["ordinal"]),
                    "email",
                    mail.details["content"],
                    mail.content_hash,
                    at,
                )
            )

    async def _failed(self, uow: UnitOfWork, outcome: Outcome) -> None:
        mail, reason = outcome.mail, (outcome.reason or "")[:500]
        final = outcome.retry_at is None
        if mail.purpose == "document" and mail.document_id is not None:
            document = await uow.documents.get(mail.document_id)
            with contextlib.suppress(IllegalDocumentState):
                document.delivery_failed(reason, outcome.attempt, final, outcome.at)
        await uow.mail.failed(mail.message_id, outcome.attempt, reason, outcome.retry_at)


class _Delivery:
    """One claimed batch in flight: ``parallel`` senders take the next message while the
    recorder commits the outcomes that arrived during its previous commit.

    No message is started once the server is unreachable (the rest wait for the retry's
    time), the worker stops or the last quarter of the lease has begun (the rest are due again
    at once: another worker may claim them once the lease ends, and must not find one of them
    still being sent), a sender fails or a record fails (the rest wait for the lease). The
    messages in flight always finish; an error is raised once every outcome that could be
    recorded was."""

    def __init__(self, worker: MailWorker, claimed: Sequence[Claimed], start_before: datetime) -> None:
        self.worker, self.claimed, self.start_before = worker, claimed, start_before
        self.next = 0
        self.outcomes: list[Outcome] = []
        self.arrived = asyncio.Event()
        self.down: Outcome | None = None
        self.error: BaseException | None = None

    def _take(self) -> Claimed | None:
        if self.next >= len(self.claimed) or self.down or self.error or self.worker._stopping:
            return None
        if self.worker.clock.now() >= self.start_before:
            return None
        self.next += 1
        return self.claimed[self.next - 1]

    async def _hand_over(self) -> None:
        try:
            while (item := self._take()) is not None:
                outcome = await self.worker.attempt(item)
                if outcome.unreachable and self.down is None:
                    self.down = outcome
                self.outcomes.append(outcome)
                self.arrived.set()
        except Exception as error:  # noqa: BLE001 - raised by run() once the rest is recorded
            self.error = self.error or error
        finally:
            self.arrived.set()

    async def run(self) -> None:
        senders = [
            asyncio.create_task(self._hand_over())
            for _ in range(min(self.worker.parallel, len(self.claimed)))
        ]
        try:
            while True:
                if self.outcomes:
                    group, self.outcomes = self.outcomes, []
                    await self.worker._record(group)
                elif all(sender.done() for sender in senders):
                    break
                else:
                    self.arrived.clear()
                    await self.arrived.wait()
        except BaseException as error:
            self.error = error
            await asyncio.wait(senders)
            raise
        if self.error is not None:
            raise self.error
        rest = [item.mail.message_id for item in self.claimed[self.next :]]
        if rest:
            until = self.down.retry_at if self.down and self.down.retry_at else self.worker.clock.now()
            await self.worker.queue.postpone(rest, until)
