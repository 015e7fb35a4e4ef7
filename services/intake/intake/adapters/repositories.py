"""Intake's repositories (the kit's event-sourced one, plus references and duplicate
candidates) and its idempotency keys, all over one store transaction."""

from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from events.application.errors import Conflict
from events.persistence import EventSourcedRepository, Tracked
from events.store import SqlEventStore, Transaction
from intake.adapters.tables import customer_block_keys, customers, idempotency_keys, reference_counters
from intake.app.ports import IdempotentCall
from intake.domain.customer import Customer
from intake.domain.duplicates import CustomerIdentity, block_keys
from intake.domain.request import ServiceRequest

REFERENCE_PREFIX = "DEM"
#: PostgreSQL: the years whose reference sequence is known to exist, per store.
_SEQUENCES: WeakKeyDictionary[SqlEventStore, set[int]] = WeakKeyDictionary()


class SqlRequestRepository(EventSourcedRepository[ServiceRequest]):
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        super().__init__(ServiceRequest, "request", tx, tracked)

    async def next_reference(self, year: int) -> str:
        """PostgreSQL: `nextval` of the year's sequence, which locks nothing, so concurrent
        receptions do not queue behind one counter row until each commits (a rolled-back
        reception leaves a gap). SQLite has a single writer anyway: a counter row per year."""
        connection = self.tx.connection
        if connection.dialect.name == "postgresql":
            known = _SEQUENCES.setdefault(self.tx.store, set())
            if year not in known and await ensure_reference_sequence(connection, year):
                known.add(year)
            number = (
                await connection.execute(text(f"SELECT nextval('{reference_sequence(year)}')"))
            ).scalar_one()
        else:
            counter = (
                sqlite.insert(reference_counters)
                .values(year=year, last=1)
                .on_conflict_do_update(index_elements=["year"], set_={"last": reference_counters.c.last + 1})
                .returning(reference_counters.c.last)
            )
            number = (await connection.execute(counter)).scalar_one()
        return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


def reference_sequence(year: int) -> str:
    return f"intake_reference_{int(year):04d}"


async def ensure_reference_sequence(connection: AsyncConnection, year: int) -> bool:
    """Create the year's sequence if missing (PostgreSQL), in a savepoint of the caller's
    transaction (the year's other first callers wait for that commit: once a year); it continues
    the year's `reference_counters` row if there is one. True when the sequence already existed
    (False: created here, it exists once the caller commits)."""
    name = reference_sequence(year)
    try:
        async with connection.begin_nested():
            await connection.execute(text(f"CREATE SEQUENCE {name} AS bigint MINVALUE 1"))
            await connection.execute(
                text(
                    f"SELECT setval('{name}', last) FROM reference_counters WHERE year = :year AND last > 0"
                ),
                {"year": year},
            )
    except DBAPIError as error:  # created by someone else: committed, or racing with us
        if getattr(error.orig, "sqlstate", None) not in ("42P07", "23505"):
            raise
        return True
    return False


class SqlCustomerRepository(EventSourcedRepository[Customer]):
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        super().__init__(Customer, "customer", tx, tracked)

    async def candidates(self, identity: CustomerIdentity) -> list[CustomerIdentity]:
        keys = block_keys(identity)
        if not keys:
            return []
        matching = select(customer_block_keys.c.customer_id).where(customer_block_keys.c.block_key.in_(keys))
        rows = await self.tx.connection.execute(
            select(customers).where(customers.c.customer_id.in_(matching), customers.c.merged_into.is_(None))
        )
        return [
            CustomerIdentity(
                str(r.customer_id),
                r.first_name,
                r.last_name,
                r.company,
                r.email,
                r.phone,
                r.postal_code,
                r.country,
            )
            for r in rows
        ]


_FIND_KEY = select(idempotency_keys.c.request_hash, idempotency_keys.c.request_id).where(
    idempotency_keys.c.key == bindparam("key"), idempotency_keys.c.actor == bindparam("actor")
)
# INSERT ... ON CONFLICT DO NOTHING RETURNING, in both dialects (SQLite >= 3.35).
_CLAIM_KEY = {
    dialect: module.insert(idempotency_keys).on_conflict_do_nothing().returning(idempotency_keys.c.key)
    for dialect, module in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlIdempotencyKeys:
    def __init__(self, connection: AsyncConnection, now: datetime) -> None:
        self.connection, self.now = connection, now

    async def find(self, key: str, actor: str) -> IdempotentCall | None:
        row = (await self.connection.execute(_FIND_KEY, {"key": key, "actor": actor})).first()
        return IdempotentCall(row.request_hash, row.request_id) if row else None

    async def claim(self, key: str, actor: str, call: IdempotentCall) -> IdempotentCall | None:
        """One round trip when the key is new (the usual case): an insert that does nothing
        if the key exists, then, only in that case, the call recorded first."""
        claim = _CLAIM_KEY[self.connection.dialect.name]
        inserted = (
            await self.connection.execute(
                claim,
                {
                    "key": key,
                    "actor": actor,
                    "request_hash": call.request_hash,
                    "request_id": call.request_id,
                    "created_at": self.now,
                },
            )
        ).first()
        if inserted is not None:
            return None
        previous = await self.find(key, actor)
        if previous is None:  # cannot happen: the conflicting row is committed and immutable
            raise Conflict("the same Idempotency-Key is being used concurrently")
        return previous
