"""Approvals' command handlers, and the message bus that runs them with their dependencies."""

from collections.abc import Callable

from approvals.app import commands as c
from approvals.app.handlers import (
    decide_approval,
    define_rules,
    expire_approval,
    submit_for_approval,
    withdraw_approval,
)
from approvals.app.ports import Authorities, Clock, UnitOfWork
from events.application.bus import Handler, MessageBus

COMMAND_HANDLERS: dict[type, Handler] = {
    c.SubmitForApproval: submit_for_approval,
    c.DecideApproval: decide_approval,
    c.WithdrawApproval: withdraw_approval,
    c.ExpireApproval: expire_approval,
    c.DefineRules: define_rules,
}


def approvals_bus(uow: Callable[[], UnitOfWork], clock: Clock, authorities: Authorities) -> MessageBus:
    """The bus of the approvals use cases: a fresh unit of work from ``uow`` for each run."""
    return MessageBus(COMMAND_HANDLERS, uow=uow, clock=clock, authorities=authorities)
