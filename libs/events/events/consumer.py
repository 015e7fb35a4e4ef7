"""Idempotent consumers: inbox dedupe and effects in one transaction, parking of poison events.

:class:`Consumer` holds the logic every transport shares. For each event, in the same database
transaction as its effects: skip it if the inbox already has its id, otherwise run the
handler registered for its type and record the id (a poll's events share one transaction;
after a handler failure the poll is run again with a savepoint per handler). A redelivered
event (the process died after the commit, before the offset commit) therefore has its
effect once.

Failures:

* transient (database or network unavailable): retried with exponential backoff, forever
  while the runner runs; nothing is skipped;
* permanent (the payload does not validate, the handler raises): the event is *parked*
  (``parked_events``) and reported to the dead-letter topic. **Later events of the same
  stream are parked behind it**, never handled out of order (the SLA clock depends on
  per-request order); :meth:`Consumer.release` replays a stream's parked events in order
  once the cause is fixed. Events of other streams go on. A transport record that is no
  event at all parks its stream too when its key names one (released, it is dropped);
  an event type absent from the catalogue is only copied to the dead-letter topic.

Personal fields travel sealed (Kafka, parked events). A consumer given an ``opener`` (the
service's payload protector, :class:`~events.integrity.PayloadProtector`: its key ring) opens
those of a whole batch in one call before handlers run: handlers see clear values while the
key exists, erased values once it is destroyed, as when reading the store. What is parked keeps
the sealed form it was received in. A value whose seal does not open (moved to another event,
tampered with) parks its event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import orjson
import structlog
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue import DomainEvent, UnknownEventType
from events.checkpoints import save_consumer_checkpoint
from events.db import reading
from events.envelope import Envelope
from events.integrity import PayloadProtector
from events.observability.metrics import CONSUMED
from events.pii.sealing import SealBroken
from events.sqlutil import insert_absent
from events.tables import consumer_checkpoints, inbox, parked_events

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope, DomainEvent, AsyncConnection], Awaitable[None]]
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    OSError,
    TimeoutError,
)


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    PARKED = "parked"


class _HandlerFailed(Exception):
    """A handler failed for good in a batch run without savepoints: run it again with them."""


@dataclass(frozen=True)
class Checkpoint:
    """A source position to save in the same transaction as the effect (store-fed consumers)."""

    source: str
    position: int


class Consumer:
    """Dispatches events by type to handlers, exactly once per consumer name."""

    def __init__(
        self,
        name: str,
        engine: AsyncEngine,
        handlers: dict[str, Handler],
        *,
        reset: Callable[[AsyncConnection], Awaitable[None]] | None = None,
        max_backoff: float = 5.0,
        opener: PayloadProtector | None = None,
    ) -> None:
        self.name = name
        self.engine = engine
        self.handlers = handlers
        self._reset = reset
        self.max_backoff = max_backoff
        self.opener = opener
        """Opens sealed personal fields before handlers run; without one they decode as erased.
        A service's runtime gives its consumer the store's protector."""

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.handlers)

    async def process(self, envelope: Envelope, checkpoint: Checkpoint | None = None) -> Outcome:
        """Handle one event, retrying transient failures until it is handled or parked."""
        [outcome] = await self.process_many([envelope], checkpoint)
        return outcome

    async def process_many(
        self, envelopes: list[Envelope], checkpoint: Checkpoint | None = None
    ) -> list[Outcome]:
        """Handle events in order in ONE transaction (one commit, one fsync, for a whole
        poll). Handlers first run without savepoints; if one fails for good, the batch is
        rolled back and run again with a savepoint per handler, so the poison event is
        parked alone. A transient failure rolls the whole batch back and retries it.
        Sealed personal fields are opened once for the batch, before the first try."""
        delay = 0.05
        isolate = len(envelopes) == 1
        opened: tuple[list[Envelope], dict[UUID, str]] | None = None
        while True:
            try:
                if opened is None:
                    opened = await self._opened(envelopes)
                outcomes = await self._process_batch(
                    opened[0], checkpoint, isolate=isolate, unopened=opened[1]
                )
            except _HandlerFailed:
                isolate = True
                continue
            except TRANSIENT_ERRORS as error:
                log.warning(
                    "consumer.transient_error",
                    consumer=self.name,
                    event_ids=[str(e.id) for e in envelopes[:5]],
                    error=repr(error),
                    retry_in=delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            for outcome in outcomes:
                CONSUMED.labels(self.name, outcome.value).inc()
            return outcomes

    async def _opened(self, envelopes: list[Envelope]) -> tuple[list[Envelope], dict[UUID, str]]:
        """``envelopes`` with the sealed fields of those this consumer handles opened (one
        :meth:`PayloadProtector.reveal` for the batch, none when nothing handled is sealed), and
        the reason of each whose seal does not open: those stay as received, to be parked."""
        if self.opener is None:
            return envelopes, {}
        handled = self.handlers
        places = [
            place
            for place, envelope in enumerate(envelopes)
            if envelope.pii is not None
            and envelope.pii.key_id is not None
            and envelope.sealed is None
            and envelope.type in handled
        ]
        if not places:
            return envelopes, {}
        opened = list(envelopes)
        unopened: dict[UUID, str] = {}
        try:
            revealed = await self.opener.reveal([envelopes[place] for place in places])
        except SealBroken:
            revealed = []
            for place in places:
                try:
                    [one] = await self.opener.reveal([envelopes[place]])
                except SealBroken as error:
                    one = envelopes[place]
                    unopened[one.id] = repr(error)
                revealed.append(one)
        for place, envelope in zip(places, revealed, strict=True):
            opened[place] = envelope
        return opened, unopened

    async def _process_batch(
        self,
        envelopes: list[Envelope],
        checkpoint: Checkpoint | None,
        *,
        isolate: bool,
        unopened: dict[UUID, str],
    ) -> list[Outcome]:
        """Two statements for the whole batch (which streams are parked; the inbox rows, whose
        insert tells which events are new), then each new event's handler (in a savepoint when
        ``isolate``)."""
        async with self.engine.begin() as connection:
            if checkpoint:
                await save_consumer_checkpoint(connection, self.name, checkpoint.source, checkpoint.position)
            handled = [envelope for envelope in envelopes if envelope.type in self.handlers]
            if not handled:
                return [Outcome.IGNORED] * len(envelopes)
            parked = await self._parked_streams(connection, {str(e.stream_id) for e in handled})
            now = datetime.now(UTC)
            new = await insert_absent(
                connection,
                inbox,
                [
                    {"consumer": self.name, "event_id": envelope_id, "processed_at": now}
                    for envelope_id in dict.fromkeys(envelope.id for envelope in handled)
                ],
                returning="event_id",
            )
            outcomes = []
            for envelope in envelopes:
                if envelope.type not in self.handlers:
                    outcomes.append(Outcome.IGNORED)
                elif envelope.id not in new:
                    outcomes.append(Outcome.DUPLICATE)
                else:
                    new.discard(envelope.id)  # the same event twice in one poll: once
                    outcomes.append(
                        await self._handle(connection, envelope, parked, isolate, unopened.get(envelope.id))
                    )
            return outcomes

    async def _handle(
        self,
        connection: AsyncConnection,
        envelope: Envelope,
        parked: set[str],
        isolate: bool,
        unopened: str | None,
    ) -> Outcome:
        stream_key = str(envelope.stream_id)
        if stream_key in parked:
            error = "an earlier event of this stream is parked"
        else:
            failure = (
                unopened if unopened is not None else await self._run_handler(connection, envelope, isolate)
            )
            if failure is None:
                return Outcome.PROCESSED
            error = failure
            parked.add(stream_key)
            log.error(
                "consumer.parked",
                consumer=self.name,
                event_id=str(envelope.id),
                stream_id=stream_key,
                type=envelope.type,
                error=error,
            )
        # The savepoint undid the handler's effects; the inbox row goes too, so that releasing
        # the stream later processes this event for real.
        await connection.execute(
            inbox.delete().where(inbox.c.consumer == self.name, inbox.c.event_id == envelope.id)
        )
        await self._park(connection, envelope, error)
        return Outcome.PARKED

    async def _run_handler(
        self, connection: AsyncConnection, envelope: Envelope, isolate: bool
    ) -> str | None:
        """Decode and handle ``envelope``: ``None`` when handled, else why it failed for good."""
        try:
            event = envelope.decode()
            handler = self.handlers[envelope.type]
            if isolate:
                async with connection.begin_nested():
                    await handler(envelope, event, connection)
            else:
                await handler(envelope, event, connection)
            return None
        except TRANSIENT_ERRORS:
            raise
        except (ValidationError, UnknownEventType, Exception) as failure:
            if not isolate:
                raise _HandlerFailed from failure
            return repr(failure)

    async def _parked_streams(self, connection: AsyncConnection, stream_keys: set[str]) -> set[str]:
        rows = await connection.execute(
            select(parked_events.c.stream_key)
            .distinct()
            .where(
                parked_events.c.consumer == self.name,
                parked_events.c.stream_key.in_(sorted(stream_keys)),
                parked_events.c.released_at.is_(None),
            )
        )
        return {row[0] for row in rows}

    async def _park(self, connection: AsyncConnection, envelope: Envelope, error: str) -> None:
        await self._insert_parked(
            connection,
            stream_key=str(envelope.stream_id),
            event_id=str(envelope.id),
            topic=None,
            message=envelope.stored().model_dump(mode="json"),
            error=error,
        )

    async def park_undecodable(self, record: Any, error: str) -> None:
        """A transport record that is not an event at all: when its key names a stream, park it
        so that stream's later events wait behind it, as for an event that fails. Releasing
        the stream drops it (it can never be decoded; its copy is in the dead-letter topic)."""
        try:
            stream_key = str(UUID((record.key or b"").decode()))
        except ValueError:
            return
        async with self.engine.begin() as connection:
            await self._insert_parked(
                connection,
                stream_key=stream_key,
                event_id=f"{record.partition}:{record.offset}",
                topic=record.topic,
                error=error,
                message={"undecodable": {"partition": record.partition, "offset": record.offset}},
            )

    async def _insert_parked(
        self,
        connection: AsyncConnection,
        *,
        stream_key: str,
        event_id: str,
        topic: str | None,
        message: dict[str, Any],
        error: str,
    ) -> None:
        """Park once: a redelivery of what is already parked (and not released) adds nothing."""
        already = await connection.execute(
            select(parked_events.c.id)
            .where(
                parked_events.c.consumer == self.name,
                parked_events.c.event_id == event_id,
                parked_events.c.topic.is_not_distinct_from(topic),
                parked_events.c.released_at.is_(None),
            )
            .limit(1)
        )
        if already.first() is not None:
            return
        await connection.execute(
            parked_events.insert().values(
                consumer=self.name,
                stream_key=stream_key,
                event_id=event_id,
                topic=topic,
                message=message,
                error=error,
                parked_at=datetime.now(UTC),
            )
        )

    async def parked(self, stream_key: str | None = None) -> list[dict[str, Any]]:
        query = select(parked_events).where(
            parked_events.c.consumer == self.name, parked_events.c.released_at.is_(None)
        )
        if stream_key:
            query = query.where(parked_events.c.stream_key == stream_key)
        async with reading(self.engine) as connection:
            rows = await connection.execute(query.order_by(parked_events.c.id))
            return [dict(row._mapping) for row in rows]

    async def release(self, stream_key: str) -> list[Outcome]:
        """Replay a stream's parked events in order (after the cause was fixed)."""
        rows = await self.parked(stream_key)
        async with self.engine.begin() as connection:
            await connection.execute(
                update(parked_events)
                .where(parked_events.c.id.in_([row["id"] for row in rows]))
                .values(released_at=datetime.now(UTC))
            )
        outcomes = []
        for row in rows:
            message = row["message"]
            if isinstance(message, str | bytes):
                message = orjson.loads(message)
            if "undecodable" in message:
                outcomes.append(Outcome.IGNORED)
                continue
            outcomes.append(await self.process(Envelope.model_validate(message)))
        return outcomes

    async def reset(self) -> None:
        """Forget what was processed (inbox, checkpoints) and clear the read model, to rebuild it."""
        async with self.engine.begin() as connection:
            await connection.execute(inbox.delete().where(inbox.c.consumer == self.name))
            await connection.execute(
                consumer_checkpoints.delete().where(consumer_checkpoints.c.consumer == self.name)
            )
            if self._reset:
                await self._reset(connection)
