"""The one entry to the use cases: dispatches a command to its handler with its dependencies."""

from collections.abc import Awaitable, Callable
from typing import Any

from events.store import ConcurrencyError
from intake.app import commands as c
from intake.app.customer_handlers import merge_customers, register_customer, update_customer
from intake.app.errors import Conflict
from intake.app.handlers import (
    DECISIONS,
    complete_request_details,
    qualify_request,
    receive_request,
    update_request,
)
from intake.app.ports import Clock, UnitOfWork
from intake.app.rules import IntakeRules

Handler = Callable[[Any, UnitOfWork, Clock, IntakeRules], Awaitable[Any]]

COMMAND_HANDLERS: dict[type, Handler] = {
    c.ReceiveRequest: receive_request,
    c.QualifyRequest: qualify_request,
    c.CompleteRequestDetails: complete_request_details,
    c.RegisterCustomer: register_customer,
    c.UpdateCustomer: update_customer,
    c.MergeCustomers: merge_customers,
    **dict.fromkeys(DECISIONS, update_request),
}


class IntakeBus:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock, rules: IntakeRules) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.rules = rules

    async def handle(self, command: object) -> Any:
        """Run the command's handler. A creation (no If-Match) that lost a race is retried once;
        a command naming the version it read is not: the client must read again."""
        handler = COMMAND_HANDLERS[type(command)]
        retry = not hasattr(command, "expected_version")
        try:
            return await handler(command, self.uow_factory(), self.clock, self.rules)
        except (ConcurrencyError, Conflict):
            if not retry:
                raise
        return await handler(command, self.uow_factory(), self.clock, self.rules)
