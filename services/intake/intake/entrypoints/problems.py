"""Domain and application errors as problem+json: the one place that picks their HTTP status."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from events.service.http import stale
from events.service.problems import Problem
from intake.adapters.views import BadCursor
from intake.app.errors import IdempotencyKeyReused, NotFound, StaleVersion, UnknownReference
from intake.domain import errors as d

_STATUS: dict[type[d.DomainError], int] = {
    d.PriorityChangeRefused: 422,
    d.InvalidCustomer: 422,
    d.UnknownCommitment: 404,
}


def field_problem(field: str, message: str) -> Problem:
    """A 422 shaped like the platform's validation errors, naming `field`."""
    return Problem(
        422,
        "validation-error",
        "The request is not valid",
        f"invalid fields: {field}",
        errors=[{"field": field, "location": "body", "message": message, "type": "value_error"}],
    )


def _extra(error: d.DomainError) -> dict[str, Any]:
    if isinstance(error, d.IllegalTransition):
        return {"current_status": error.current.value, "action": error.action.value}
    if isinstance(error, d.PriorityChangeRefused):
        field = (
            "criterion"
            if error.rule == "missing_criterion"
            else ("priority" if error.rule == "unchanged" else "reason")
        )
        return {"rule": error.rule, "errors": [{"field": field, "message": error.message}]}
    if isinstance(error, d.TransferLimitReached):
        return {
            "previous_transfers": error.previous_transfers,
            "limit": error.limit,
            "errors": [{"field": "exception", "message": error.message}],
        }
    if isinstance(error, d.InvalidCustomer):
        return {
            "errors": [{"field": p.field, "message": p.message, "type": p.kind.value} for p in error.problems]
        }
    return {}


def to_problem(error: Exception) -> Problem | None:
    if isinstance(error, d.DomainError):
        code = error.code.replace("_", "-")
        title = error.code.replace("_", " ").capitalize()
        return Problem(_STATUS.get(type(error), 409), code, title, error.message, **_extra(error))
    if isinstance(error, NotFound):
        return Problem(404, "not-found", f"Unknown {error.kind}", str(error))
    if isinstance(error, StaleVersion):
        if error.current is None:  # lost the race at write time: same problem, version unknown
            return Problem(
                412,
                "precondition-failed",
                "If-Match does not match",
                f"the resource changed after version {error.expected} while this command "
                "was being saved: read it again",
            )
        return stale(error.current, error.expected)
    if isinstance(error, UnknownReference):
        return field_problem(error.field, error.message)
    if isinstance(error, IdempotencyKeyReused):
        return Problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key already used",
            "this key was used for a different request body: use a new key",
        )
    if isinstance(error, BadCursor):
        return Problem(
            422,
            "validation-error",
            "The request is not valid",
            "invalid fields: cursor",
            errors=[{"field": "cursor", "location": "query", "message": str(error)}],
        )
    return None


class IntakeRoute(APIRoute):
    """Routes whose domain and application errors become problem+json responses."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem:
                raise
            except Exception as error:
                problem = to_problem(error)
                if problem is None:
                    raise
                raise problem from error

        return route
