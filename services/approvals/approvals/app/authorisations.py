"""Use cases of the recorded authorisations: grant and revoke a habilitation, appoint a
substitute. One transaction each, on their own message bus; the caller's roles come from the
token (``Decider``): a director grants and revokes, the absent person or management appoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from approvals.domain.authority import Decider
from approvals.domain.habilitations import Grant, Habilitation, PersonAuthorisations
from approvals.domain.substitutes import Substitution, appoint_substitute
from events.application import ports
from events.application.bus import Handler, MessageBus
from events.application.ports import Clock
from events.envelope import Metadata

DIRECTOR = "director"
MANAGEMENT = frozenset({"manager", "director"})


class AuthorisationsRepository(ports.Repository[PersonAuthorisations], Protocol):
    async def of(self, person: str) -> PersonAuthorisations:
        """The person's record (a new, empty one when nothing was recorded for them yet)."""
        ...

    async def holder_of(self, habilitation_id: UUID) -> str:
        """The person a habilitation was granted to; ``NotFound`` if none was."""
        ...


class AuthorisationsUnitOfWork(ports.UnitOfWork, Protocol):
    authorisations: AuthorisationsRepository


@dataclass(frozen=True, slots=True)
class GrantHabilitation:
    grant: Grant
    granted_by: Decider
    metadata: Metadata = Metadata()


@dataclass(frozen=True, slots=True)
class RevokeHabilitation:
    habilitation_id: UUID
    revoked_by: Decider
    reason: str | None = None
    metadata: Metadata = Metadata()


@dataclass(frozen=True, slots=True)
class AppointSubstitute:
    substitution_id: UUID
    absent: str
    substitute: str
    valid_from: datetime
    valid_until: datetime
    appointed_by: Decider
    reason: str | None = None
    metadata: Metadata = Metadata()


async def grant_habilitation(
    command: GrantHabilitation, uow: AuthorisationsUnitOfWork, clock: Clock
) -> Habilitation:
    by = command.granted_by
    async with uow:
        record = await uow.authorisations.of(command.grant.person)
        granted = record.grant(command.grant, by.subject, DIRECTOR in by.roles, clock.now())
        await uow.commit(command.metadata)
    return granted


async def revoke_habilitation(
    command: RevokeHabilitation, uow: AuthorisationsUnitOfWork, clock: Clock
) -> Habilitation:
    by = command.revoked_by
    async with uow:
        person = await uow.authorisations.holder_of(command.habilitation_id)
        record = await uow.authorisations.of(person)
        revoked = record.revoke(
            command.habilitation_id, by.subject, DIRECTOR in by.roles, command.reason, clock.now()
        )
        await uow.commit(command.metadata)
    return revoked


async def appoint(command: AppointSubstitute, uow: AuthorisationsUnitOfWork, clock: Clock) -> Substitution:
    by = command.appointed_by
    async with uow:
        record = await uow.authorisations.of(command.absent)
        substitution = appoint_substitute(
            record,
            command.substitution_id,
            command.substitute,
            command.valid_from,
            command.valid_until,
            by.subject,
            bool(MANAGEMENT & set(by.roles)),
            command.reason,
            clock.now(),
        )
        await uow.commit(command.metadata)
    return substitution


HANDLERS: dict[type, Handler] = {
    GrantHabilitation: grant_habilitation,
    RevokeHabilitation: revoke_habilitation,
    AppointSubstitute: appoint,
}


def authorisations_bus(uow: Callable[[], AuthorisationsUnitOfWork], clock: Clock) -> MessageBus:
    return MessageBus(HANDLERS, uow=uow, clock=clock)
