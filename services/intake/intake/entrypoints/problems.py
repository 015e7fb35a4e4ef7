"""Intake's domain errors as problem+json: the one place that picks their HTTP status (the
shared application errors are mapped by the kit's route class)."""

from typing import Any

from events.service.http import problem_route
from events.service.problems import Problem
from intake.adapters.views import BadCursor
from intake.domain import errors as d

_STATUS: dict[type[d.DomainError], int] = {
    d.PriorityChangeRefused: 422,
    d.InvalidCustomer: 422,
    d.UnknownCommitment: 404,
    d.CustomerDeadlineRefused: 422,
}


_PRIORITY_FIELDS = {
    "missing_criterion": "criterion",
    "unchanged": "priority",
    "not_from_matrix": "priority",
    "missing_value": "new_value",
    "invalid_value": "new_value",
    "value_unchanged": "new_value",
}


def _extra(error: d.DomainError) -> dict[str, Any]:
    if isinstance(error, d.IllegalTransition):
        return {"current_status": error.current.value, "action": error.action.value}
    if isinstance(error, d.PriorityChangeRefused):
        field = _PRIORITY_FIELDS.get(error.rule, "reason")
        return {"rule": error.rule, "errors": [{"field": field, "message": error.message}]}
    if isinstance(error, d.TransferLimitReached):
        return {
            "previous_transfers": error.previous_transfers,
            "limit": error.limit,
            "errors": [{"field": "exception_kind", "message": error.message}],
        }
    if isinstance(error, d.CustomerDeadlineRefused):
        return {"errors": [{"field": "customer_due_at", "message": error.message}]}
    if isinstance(error, d.InvalidCustomer):
        return {
            "errors": [{"field": p.field, "message": p.message, "type": p.kind.value} for p in error.problems]
        }
    return {}


def to_problem(error: Exception) -> Problem | None:
    """The problem+json of intake's own errors; None for the others."""
    if isinstance(error, d.DomainError):
        code = error.code.replace("_", "-")
        title = error.code.replace("_", " ").capitalize()
        return Problem(_STATUS.get(type(error), 409), code, title, error.message, **_extra(error))
    if isinstance(error, BadCursor):
        return Problem(
            422,
            "validation-error",
            "The request is not valid",
            "invalid fields: cursor",
            errors=[{"field": "cursor", "location": "query", "message": str(error)}],
        )
    return None


IntakeRoute = problem_route(to_problem)
"""Routes whose domain and application errors become problem+json responses."""
