"""The one entry to the use cases: dispatches a command to its handler with its dependencies."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from events.store import ConcurrencyError
from intake.app import commands as c
from intake.app.customer_handlers import merge_customers, register_customer, update_customer
from intake.app.errors import Conflict, StaleVersion
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


def if_match_stream(command: object) -> UUID | None:
    """The stream whose version the command's If-Match names; None for a command without one."""
    if not hasattr(command, "expected_version"):
        return None
    return getattr(command, command.if_match_field)  # type: ignore[attr-defined,no-any-return]


class IntakeBus:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock, rules: IntakeRules) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.rules = rules

    async def handle(self, command: object) -> Any:
        """Run the command's handler. A command that lost a race with a concurrent write is run
        once more (reading everything again), except when the race was on the stream its
        If-Match guards: the client's precondition then failed at write time, which is the same
        412 as a stale If-Match (`StaleVersion`); the client must read again. Losing twice is
        left as it is (`ConcurrencyError`, `Conflict`: 409), so a 409 never means that the
        version the client sent is stale."""
        handler = COMMAND_HANDLERS[type(command)]
        try:
            return await self._run(handler, command)
        except (ConcurrencyError, Conflict):
            pass
        return await self._run(handler, command)

    async def _run(self, handler: Handler, command: object) -> Any:
        try:
            return await handler(command, self.uow_factory(), self.clock, self.rules)
        except ConcurrencyError as error:
            guarded = if_match_stream(command)
            if guarded is not None and str(error.stream_id) == str(guarded):
                raise StaleVersion(error.actual, command.expected_version) from error  # type: ignore[attr-defined]
            raise
