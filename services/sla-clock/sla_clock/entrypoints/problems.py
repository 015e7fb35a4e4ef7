"""The SLA clock's own errors as problem+json (the kit maps the shared application errors)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from events.service.access import described_route
from events.service.http import problem_route
from events.service.problems import Problem
from sla_clock.app.errors import InvalidCalendar, InvalidPolicy, InvalidRules, UnknownCalendar
from sla_clock.domain.weekly import BadWeek


def _errors(error: InvalidRules) -> list[dict[str, str]]:
    return [{"field": error.field, "location": "body", "message": str(error), "type": "value_error"}]


#: Where in a body a rules specification sits, and the refusal of a bad one.
_SPECIFICATIONS = {"policy": InvalidPolicy, "calendar": InvalidCalendar}


def _invalid_specification(error: RequestValidationError) -> InvalidRules | None:
    """A body whose only errors are inside a policy or calendar specification is refused as
    that specification (``policy.priorities.P3``), like one the domain refuses; None otherwise."""
    items = error.errors()
    roots = {tuple(item["loc"][:2]) for item in items}
    if len(roots) != 1 or any(len(item["loc"]) < 3 for item in items):
        return None
    location, root = next(iter(roots))
    kind = _SPECIFICATIONS.get(str(root))
    if location != "body" or kind is None:
        return None
    first = items[0]
    field = ".".join(str(part) for part in first["loc"][1:])
    if first["type"] == "missing":
        return kind(f"missing field {str(first['loc'][-1])!r}", field)
    return kind(f"{field}: {first['msg']}", field)


def to_problem(error: Exception) -> Problem | None:
    if isinstance(error, RequestValidationError):
        error = _invalid_specification(error) or error
    if isinstance(error, UnknownCalendar):
        return Problem(422, "unknown-calendar", "Unknown calendar", str(error))
    if isinstance(error, InvalidPolicy):
        return Problem(422, "invalid-policy", "The policy is not valid", str(error), errors=_errors(error))
    if isinstance(error, InvalidCalendar):
        return Problem(
            422, "invalid-calendar", "The calendar is not valid", str(error), errors=_errors(error)
        )
    if isinstance(error, BadWeek):
        return Problem(422, "validation-error", "Bad week", str(error))
    return None


def sla_router() -> APIRouter:
    return APIRouter(tags=["sla-clock"], route_class=described_route(problem_route(to_problem)))
