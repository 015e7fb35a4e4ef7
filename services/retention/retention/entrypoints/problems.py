"""Retention's domain errors as problem+json: the one place that picks their HTTP status."""

from __future__ import annotations

from events.service.http import problem_route
from events.service.problems import Problem
from retention.domain import errors as d


def to_problem(error: Exception) -> Problem | None:
    if isinstance(error, d.PolicyRefused):
        return Problem(422, "retention-refused", "Retention refused", error.message, category=error.category)
    if isinstance(error, d.UnknownSubject):
        return Problem(422, "unknown-subject", "Unknown data subject", error.message)
    if isinstance(error, d.IdentityNotVerified):
        return Problem(409, "identity-not-verified", "Identity not verified", error.message)
    if isinstance(error, d.AlreadyErased):
        return Problem(409, "already-erased", "Already erased", error.message)
    if isinstance(error, d.RequestRefused):
        return Problem(
            409, "subject-request-refused", "Not allowed now", error.message, request_status=error.status
        )
    if isinstance(error, d.HoldRefused):
        return Problem(409, "legal-hold-refused", "Legal hold", error.message)
    return None


RetentionRoute = problem_route(to_problem)
