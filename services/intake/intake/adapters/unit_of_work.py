"""The SQL unit of work: one store transaction for events, projections and bookkeeping rows."""

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from events.aggregate import save
from events.envelope import Metadata
from events.store import SqlEventStore, Transaction
from intake.adapters.projection import project_customer, project_request
from intake.adapters.repositories import (
    SqlCustomerRepository,
    SqlIdempotencyKeys,
    SqlRequestRepository,
    Tracked,
)
from intake.app.ports import Clock
from intake.domain.customer import Customer
from intake.domain.request import ServiceRequest


class SqlUnitOfWork:
    """`async with uow:` opens the transaction; `commit()` appends and projects; leaving the
    block commits, or rolls everything back if anything raised. `on_commit` runs after a
    commit that appended events (it wakes the relay); `on_request_created`, if given, then
    receives the read-model row of each request created (the creation's response, without
    reading it back)."""

    def __init__(
        self,
        store: SqlEventStore,
        clock: Clock,
        on_commit: Callable[[], None],
        on_request_created: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store, self.clock, self.on_commit = store, clock, on_commit
        self.on_request_created = on_request_created
        self._appended = False
        self._created_rows: list[dict[str, Any]] = []

    async def __aenter__(self) -> Self:
        self._context = self.store.transaction()
        self.tx: Transaction = await self._context.__aenter__()
        self._tracked = Tracked()
        self.requests = SqlRequestRepository(self.tx, self._tracked)
        self.customers = SqlCustomerRepository(self.tx, self._tracked)
        self.idempotency = SqlIdempotencyKeys(self.tx.connection, self.clock.now())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._context.__aexit__(kind, error, tb)
        if error is None and self._appended:
            self.on_commit()
            if self.on_request_created is not None:
                for row in self._created_rows:
                    self.on_request_created(row)

    async def commit(self, metadata: Metadata) -> None:
        now = self.clock.now()
        for aggregate, created in self._tracked.seen:
            if not aggregate.pending:
                continue
            await save(self.tx, aggregate, metadata)
            self._appended = True
            if isinstance(aggregate, ServiceRequest):
                row = await project_request(self.tx.connection, aggregate, created, now)
                if created:
                    self._created_rows.append(row)
            elif isinstance(aggregate, Customer):
                await project_customer(self.tx.connection, aggregate, created, now)
