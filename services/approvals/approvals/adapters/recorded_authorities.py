"""Who may decide, from the recorded habilitations and substitutions: the ``Authorities``
the service runs with (docs/domain.md §12.1).

The token still gives the roles; a step of level 2 or 3 needs a habilitation in force, one's
own or, through a running substitution, that of the absent approver (decided then on their
behalf). The director's role decides at any level without one: directors grant the
habilitations, so someone must hold the right before any is recorded. The rows are read at
the decision's instant, so a revocation or an expiry is refused from the next decision on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from approvals.adapters.authorisation_tables import habilitations, substitutions
from approvals.app.ports import UnitOfWork
from approvals.domain.authority import Authority, Decider, DecisionScope, Refusal
from approvals.domain.habilitations import Habilitation, Scope
from approvals.domain.substitutes import RecordedRights, Substitution
from events.catalogue.approvals import Money
from events.persistence import SqlUnitOfWork, postgres_driver, reading_each

DIRECTOR = "director"

_OF_SUBSTITUTE = substitutions.c.substitute == bindparam("substitute")
_SUBSTITUTIONS = select(substitutions).where(_OF_SUBSTITUTE)
_HABILITATIONS_OF_SUBSTITUTE = select(habilitations).where(
    or_(
        habilitations.c.person == bindparam("substitute"),
        habilitations.c.person.in_(select(substitutions.c.absent).where(_OF_SUBSTITUTE)),
    )
)
"""The habilitations of a person and of everyone they substitute (no list to expand: the
statement is compiled once)."""


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def habilitation_of(row: Any) -> Habilitation:
    ceiling = (
        Money(amount=row.ceiling_amount, currency=row.ceiling_currency)
        if row.ceiling_currency is not None
        else None
    )
    valid_from, granted_at = aware(row.valid_from), aware(row.granted_at)
    assert valid_from is not None and granted_at is not None
    return Habilitation(
        habilitation_id=row.habilitation_id,
        person=row.person,
        level=row.level,
        scope=Scope(frozenset(row.teams), frozenset(row.kinds), ceiling),
        valid_from=valid_from,
        valid_until=aware(row.valid_until),
        granted_by=row.granted_by,
        granted_at=granted_at,
        revoked_at=aware(row.revoked_at),
        revoked_by=row.revoked_by,
    )


def substitution_of(row: Any) -> Substitution:
    valid_from, valid_until, appointed_at = (
        aware(row.valid_from),
        aware(row.valid_until),
        aware(row.appointed_at),
    )
    assert valid_from is not None and valid_until is not None and appointed_at is not None
    return Substitution(
        row.substitution_id,
        row.absent,
        row.substitute,
        valid_from,
        valid_until,
        row.appointed_by,
        appointed_at,
    )


async def habilitations_of(connection: AsyncConnection, substitute: str) -> dict[str, list[Habilitation]]:
    """The habilitations of ``substitute`` and of those they substitute, by person."""
    found: dict[str, list[Habilitation]] = {substitute: []}
    for row in await connection.execute(_HABILITATIONS_OF_SUBSTITUTE, {"substitute": substitute}):
        found.setdefault(row.person, []).append(habilitation_of(row))
    return found


_RECORDED_POSTGRES = (
    "SELECT ARRAY(SELECT s FROM substitutions s WHERE s.substitute = $1) AS held, "
    "ARRAY(SELECT h FROM habilitations h WHERE h.person = $1 "
    "OR h.person IN (SELECT absent FROM substitutions WHERE substitute = $1)) AS found"
)
"""Both reads of the rights in one statement (one round trip): the rows come back as arrays of
the tables' row types, which asyncpg decodes into records by column name."""


async def recorded_on_postgres(
    connection: AsyncConnection, substitute: str
) -> tuple[list[Substitution], dict[str, list[Habilitation]]]:
    """What :meth:`RecordedAuthorities.rights` reads, on the asyncpg connection (the same rows,
    without SQLAlchemy's work per execution: a decision reads them each time)."""
    native = await postgres_driver(connection)
    row = await native.fetchrow(_RECORDED_POSTGRES, substitute)
    held = [substitution_of(SimpleNamespace(**r)) for r in row["held"]]
    found: dict[str, list[Habilitation]] = {substitute: []}
    for record in row["found"]:
        found.setdefault(record["person"], []).append(habilitation_of(SimpleNamespace(**record)))
    return held, found


async def recorded(
    connection: AsyncConnection, substitute: str
) -> tuple[list[Substitution], dict[str, list[Habilitation]]]:
    """The substitutions ``substitute`` holds, and the habilitations of them and of those they
    substitute, by person."""
    if connection.dialect.name == "postgresql":
        return await recorded_on_postgres(connection, substitute)
    held = [
        substitution_of(row) for row in await connection.execute(_SUBSTITUTIONS, {"substitute": substitute})
    ]
    return held, await habilitations_of(connection, substitute)


class RecordedAuthorities:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def can_decide(
        self,
        actor: Decider,
        level: int,
        scope: DecisionScope,
        at: datetime,
        on_behalf_of: str | None = None,
        *,
        within: UnitOfWork | None = None,
    ) -> Authority | Refusal:
        return (await self.rights(actor, at, within=within)).authority(level, scope, on_behalf_of)

    async def rights(
        self, actor: Decider, at: datetime, *, within: UnitOfWork | None = None
    ) -> RecordedRights:
        """The actor's habilitations and substitutions as recorded, read at ``at``: in the
        transaction of ``within`` when it is a SQL unit of work (the decision's), else on a
        connection of their own. Under READ COMMITTED each statement reads what is committed
        when it runs, so a revocation committed before the decision's read is seen either way."""
        if isinstance(within, SqlUnitOfWork):
            held, records = await recorded(within.tx.connection, actor.subject)
        else:
            async with reading_each(self.engine) as connection:
                held, records = await recorded(connection, actor.subject)
        return RecordedRights(
            actor.subject,
            DIRECTOR in actor.roles,
            tuple(records[actor.subject]),
            tuple((s, tuple(records.get(s.absent, ()))) for s in held),
            at,
        )
