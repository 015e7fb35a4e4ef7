"""Intake's unit of work: the kit's, with the request and customer repositories and the
idempotency keys, all in its one store transaction."""

from collections.abc import Callable
from typing import Any

from events.application.ports import Clock
from events.persistence import SqlUnitOfWork as KitUnitOfWork
from events.store import SqlEventStore, Transaction
from intake.adapters.projection import PROJECTORS
from intake.adapters.repositories import SqlCustomerRepository, SqlIdempotencyKeys, SqlRequestRepository
from intake.app.ports import CustomerRepository, IdempotencyKeys, RequestRepository
from intake.domain.request import ServiceRequest


class SqlUnitOfWork(KitUnitOfWork):
    """Commits only if `commit()` ran (see the kit's unit of work). `on_commit` runs after a
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
        super().__init__(store, PROJECTORS, clock, on_commit)
        self.on_request_created = on_request_created

    def open(self, tx: Transaction) -> None:
        self.requests: RequestRepository = SqlRequestRepository(tx, self.tracked)
        self.customers: CustomerRepository = SqlCustomerRepository(tx, self.tracked)
        self.idempotency: IdempotencyKeys = SqlIdempotencyKeys(tx.connection, self.clock.now())

    def committed(self) -> None:
        super().committed()
        if self.on_request_created is not None:
            for saved in self.projected:
                if saved.created and isinstance(saved.aggregate, ServiceRequest):
                    self.on_request_created(saved.result)
