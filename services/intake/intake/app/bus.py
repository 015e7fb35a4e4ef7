"""Intake's command handlers, and the message bus that runs them with their dependencies."""

from collections.abc import Callable

from events.application.bus import Handler, MessageBus
from intake.app import commands as c
from intake.app.customer_handlers import merge_customers, register_customer, update_customer
from intake.app.handlers import (
    DECISIONS,
    complete_request_details,
    qualify_request,
    receive_request,
    update_request,
)
from intake.app.ports import Clock, UnitOfWork
from intake.app.rules import IntakeRules
from intake.app.satisfaction_handlers import answer_survey

COMMAND_HANDLERS: dict[type, Handler] = {
    c.ReceiveRequest: receive_request,
    c.QualifyRequest: qualify_request,
    c.CompleteRequestDetails: complete_request_details,
    c.RegisterCustomer: register_customer,
    c.UpdateCustomer: update_customer,
    c.MergeCustomers: merge_customers,
    c.AnswerSurvey: answer_survey,
    **dict.fromkeys(DECISIONS, update_request),
}


def intake_bus(uow: Callable[[], UnitOfWork], clock: Clock, rules: IntakeRules) -> MessageBus:
    """The bus of the intake use cases: a fresh unit of work from `uow` for each run."""
    return MessageBus(COMMAND_HANDLERS, uow=uow, clock=clock, rules=rules)
