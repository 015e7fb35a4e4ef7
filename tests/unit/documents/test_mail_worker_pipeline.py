"""The mail worker's batch in flight, with an in-memory outbox and a sender whose acceptances
the test releases one by one: outcomes are recorded while later messages are still being
handed over; the server down stops the batch and the rest waits for the retry; a record that
fails lets the messages in flight finish, keeps what was recorded and raises; a stop leaves
the unsent rest due at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, cast
from uuid import uuid4

import pytest

from documents.app.mail import Backoff, Claimed, DeliveryDeferred, Mail, MailWorker

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


def mails(count: int) -> list[Claimed]:
    return [
        Claimed(
            Mail(f"<m{n}@guichet.localhost>", "survey", "s@guichet.localhost", ("c@x.org",), b"M", uuid4()), 0
        )
        for n in range(count)
    ]


class Queue:
    def __init__(self, claimed: list[Claimed]) -> None:
        self.claimed = claimed
        self.postponed: list[tuple[list[str], datetime]] = []

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        batch, self.claimed = self.claimed[:limit], self.claimed[limit:]
        return batch

    async def postpone(self, message_ids: Sequence[str], until: datetime) -> None:
        self.postponed.append((list(message_ids), until))

    async def waiting(self) -> int:
        return len(self.claimed)


class GatedSender:
    """Accepts a message once the test opens its gate; ``unreachable``: refuses them all."""

    def __init__(self, unreachable: bool = False) -> None:
        self.unreachable = unreachable
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[str] = []
        self.accepted: list[str] = []

    def gate(self, message_id: str) -> asyncio.Event:
        return self.gates.setdefault(message_id, asyncio.Event())

    def open(self, *numbers: int) -> None:
        for n in numbers:
            self.gate(f"<m{n}@guichet.localhost>").set()

    async def send(self, mail: Mail) -> None:
        self.started.append(mail.message_id)
        await asyncio.sleep(0)  # the connection attempt: other senders start meanwhile
        if self.unreachable:
            raise DeliveryDeferred("ConnectionRefusedError", unreachable=True)
        await self.gate(mail.message_id).wait()
        self.accepted.append(mail.message_id)

    async def close(self) -> None:
        return None


class Outbox:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.delivered_ids: list[str] = []
        self.failed_ids: list[str] = []

    async def delivered(self, deliveries: Sequence[tuple[str, datetime]]) -> None:
        self.delivered_ids += [message_id for message_id, _ in deliveries]

    async def failed(self, message_id: str, attempt: int, reason: str, retry_at: datetime | None) -> None:
        self.failed_ids.append(message_id)


class Book:
    """What the units of work committed: each group's delivered and failed Message-IDs."""

    def __init__(self) -> None:
        self.delivered: list[list[str]] = []
        self.failed: list[str] = []
        self.fail_commit_number: int | None = None
        self.commits = 0


class UnitOfWork:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.mail = Outbox(book)
        self._committed = False

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if error is None and self._committed:
            self.book.delivered.append(self.mail.delivered_ids)
            self.book.failed += self.mail.failed_ids

    async def commit(self, metadata: Any) -> None:
        self.book.commits += 1
        if self.book.commits == self.book.fail_commit_number:
            raise ConnectionError("the database went away")
        self._committed = True


def worker(
    queue: Queue, sender: GatedSender, book: Book, parallel: int, clock: Clock | None = None
) -> MailWorker:
    return MailWorker(
        queue, sender, lambda: cast(Any, UnitOfWork(book)), clock or Clock(), Backoff(), parallel=parallel
    )


async def until(condition: Any) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never happened")


def ids(*numbers: int) -> list[str]:
    return [f"<m{n}@guichet.localhost>" for n in numbers]


async def test_outcomes_are_recorded_while_later_messages_are_still_handed_over() -> None:
    queue, sender, book = Queue(mails(6)), GatedSender(), Book()
    draining = asyncio.create_task(worker(queue, sender, book, parallel=2).drain())
    sender.open(0)
    await until(lambda: book.delivered)
    assert book.delivered == [ids(0)], "recorded before the rest of the batch is accepted"
    assert sender.accepted == ids(0)
    assert sender.started == ids(0, 1, 2), "the next message started while the first was recorded"
    sender.open(1, 2, 3, 4, 5)
    assert await draining == 6
    assert sorted(sum(book.delivered, [])) == ids(0, 1, 2, 3, 4, 5), "each recorded once"
    assert len(book.delivered) > 1
    assert queue.postponed == []


async def test_the_server_down_stops_the_batch_and_the_rest_waits_for_the_retry() -> None:
    queue, sender, book = Queue(mails(5)), GatedSender(unreachable=True), Book()
    mail_worker = worker(queue, sender, book, parallel=2)
    assert await mail_worker.drain() == 5
    assert sender.started == ids(0, 1), "no message started once the server was found down"
    assert book.failed == ids(0, 1), "each attempt recorded"
    assert queue.postponed == [(ids(2, 3, 4), NOW + timedelta(seconds=30))]
    assert mail_worker.health == "unreachable"


async def test_a_failed_record_lets_the_messages_in_flight_finish_keeps_what_was_recorded_and_raises() -> (
    None
):
    queue, sender, book = Queue(mails(5)), GatedSender(), Book()
    book.fail_commit_number = 2
    draining = asyncio.create_task(worker(queue, sender, book, parallel=2).drain())
    sender.open(0)
    await until(lambda: book.delivered)
    sender.open(1)
    await until(lambda: book.commits == 2)
    assert sender.started == ids(0, 1, 2, 3), "two in flight when the record failed"
    sender.open(2, 3, 4)
    with pytest.raises(ConnectionError):
        await draining
    assert book.delivered == [ids(0)], "the first group stays recorded"
    assert sorted(sender.accepted) == ids(0, 1, 2, 3), "the messages in flight finished"
    assert ids(4)[0] not in sender.started, "none started after the failure"
    assert queue.postponed == [], "the unsent rest waits for the lease, as after a crash"


async def test_a_stop_leaves_the_unsent_rest_due_at_once() -> None:
    queue, sender, book = Queue(mails(4)), GatedSender(), Book()
    mail_worker = worker(queue, sender, book, parallel=1)
    draining = asyncio.create_task(mail_worker.drain())
    await until(lambda: sender.started)
    mail_worker.stop()
    sender.open(0)
    assert await draining == 4
    assert book.delivered == [ids(0)]
    assert queue.postponed == [(ids(1, 2, 3), NOW)]


async def test_no_message_starts_in_the_last_quarter_of_the_lease() -> None:
    """Another worker may claim the rows once the lease ends: none may still be in flight here."""
    queue, sender, book, clock = Queue(mails(4)), GatedSender(), Book(), Clock()
    mail_worker = worker(queue, sender, book, parallel=1, clock=clock)
    draining = asyncio.create_task(mail_worker.drain())
    await until(lambda: sender.started)
    clock.at = NOW + mail_worker.lease * 3 / 4
    sender.open(0, 1, 2, 3)
    assert await draining == 4
    assert sender.started == ids(0)
    assert book.delivered == [ids(0)]
    assert queue.postponed == [(ids(1, 2, 3), clock.at)]
