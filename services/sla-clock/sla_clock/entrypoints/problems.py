"""The SLA clock's own errors as problem+json (the kit maps the shared application errors)."""

from __future__ import annotations

from fastapi import APIRouter

from events.service.access import described_route
from events.service.http import problem_route
from events.service.problems import Problem
from sla_clock.app.errors import InvalidCalendar, InvalidPolicy, InvalidRules, UnknownCalendar
from sla_clock.domain.weekly import BadWeek


def _errors(error: InvalidRules) -> list[dict[str, str]]:
    return [{"field": error.field, "location": "body", "message": str(error), "type": "value_error"}]


def to_problem(error: Exception) -> Problem | None:
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
