"""Recorded authorisations over SQL: the per-person record (event-sourced), its projection
(``habilitations`` and ``substitutions`` rows, written in the command's transaction, rebuilt
from the log by ``rebuild_authorisations``), and the unit of work of the grant, revoke and
appoint use cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.authorisation_tables import habilitations, substitutions
from approvals.app.authorisations import AuthorisationsRepository
from approvals.domain.habilitations import Habilitation, PersonAuthorisations
from events.application.errors import NotFound
from events.application.ports import Clock
from events.catalogue import approvals as ev
from events.envelope import Envelope
from events.persistence import (
    EventSourcedRepository,
    Projectors,
    SqlUnitOfWork,
    Tracked,
    insert_if_absent,
    upsert,
)
from events.store import SqlEventStore, Transaction


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def habilitation_row(habilitation: Habilitation) -> dict[str, Any]:
    ceiling = habilitation.scope.ceiling
    return {
        "habilitation_id": habilitation.habilitation_id,
        "person": habilitation.person,
        "level": habilitation.level,
        "teams": sorted(habilitation.scope.teams),
        "kinds": sorted(habilitation.scope.kinds),
        "ceiling_amount": ceiling.amount if ceiling else None,
        "ceiling_currency": ceiling.currency if ceiling else None,
        "valid_from": utc(habilitation.valid_from),
        "valid_until": utc(habilitation.valid_until),
        "granted_by": habilitation.granted_by,
        "reason": habilitation.reason,
        "granted_at": utc(habilitation.granted_at),
        "revoked_at": utc(habilitation.revoked_at),
        "revoked_by": habilitation.revoked_by,
    }


async def project_authorisations(
    connection: AsyncConnection, record: PersonAuthorisations, created: bool, now: datetime
) -> None:
    """The person's rows after the command: each habilitation (with its revocation, if any) and
    each substitution appointed for their absences. A person holds a handful of each."""
    for habilitation in record.habilitations.values():
        await upsert(connection, habilitations, habilitation_row(habilitation), ["habilitation_id"])
    for appointed in record.substitutions.values():
        await insert_if_absent(connection, substitutions, substitution_row(appointed))


def substitution_row(event: ev.SubstituteAppointed) -> dict[str, Any]:
    return {
        "substitution_id": event.substitution_id,
        "absent": event.absent,
        "substitute": event.substitute,
        "valid_from": utc(event.valid_from),
        "valid_until": utc(event.valid_until),
        "appointed_by": event.appointed_by,
        "reason": event.reason,
        "appointed_at": utc(event.appointed_at),
    }


PROJECTORS = Projectors()
PROJECTORS.register(PersonAuthorisations, project_authorisations)

_HOLDER = select(habilitations.c.person).where(
    habilitations.c.habilitation_id == bindparam("habilitation_id")
)


class SqlAuthorisationsRepository(EventSourcedRepository[PersonAuthorisations]):
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        super().__init__(PersonAuthorisations, "authorisations", tx, tracked)

    async def of(self, person: str) -> PersonAuthorisations:
        try:
            record = await self.get(PersonAuthorisations.stream_of(person))
        except NotFound:
            record = PersonAuthorisations.of(person)
            self.add(record)
        record.person = person
        return record

    async def holder_of(self, habilitation_id: UUID) -> str:
        person = (await self.tx.connection.execute(_HOLDER, {"habilitation_id": habilitation_id})).scalar()
        if person is None:
            raise NotFound("habilitation", habilitation_id)
        return str(person)


class SqlAuthorisationsUnitOfWork(SqlUnitOfWork):
    def __init__(
        self, store: SqlEventStore, clock: Clock, on_commit: Callable[[], None] | None = None
    ) -> None:
        super().__init__(store, PROJECTORS, clock, on_commit)

    def open(self, tx: Transaction) -> None:
        self.authorisations: AuthorisationsRepository = SqlAuthorisationsRepository(tx, self.tracked)


async def rebuild_authorisations(store: SqlEventStore, now: datetime) -> int:
    """Replay every person's record into emptied ``habilitations`` and ``substitutions``
    tables; returns the records replayed."""
    streams: dict[UUID, list[Envelope]] = defaultdict(list)
    async for page in store.iter_all():
        for envelope in page:
            if envelope.stream_type == PersonAuthorisations.stream_type:
                streams[envelope.stream_id].append(envelope)
    async with store.engine.begin() as connection:
        await connection.execute(delete(substitutions))
        await connection.execute(delete(habilitations))
        for stream_id, envelopes in streams.items():
            await project_authorisations(
                connection, PersonAuthorisations.rebuild(stream_id, envelopes), False, now
            )
    return len(streams)
