"""Approvals' domain errors as problem+json: the one place that picks their HTTP status."""

from __future__ import annotations

from approvals.adapters.authorities import ROLES_BY_LEVEL
from approvals.domain import errors as d
from events.service.http import field_problem, problem_route
from events.service.problems import Problem


def _needs(missing: str) -> dict[str, object]:
    """What grants a right to decide at a level, as the access policy's 403 shows it."""
    prefix = "approvals:decide-level-"
    if missing.startswith(prefix) and missing[len(prefix) :].isdigit():
        level = int(missing[len(prefix) :])
        return {"needs": {"roles": sorted(ROLES_BY_LEVEL.get(level, ())), "level": level}}
    return {}


def to_problem(error: Exception) -> Problem | None:
    """The problem+json of approvals' own errors; None for the others."""
    if isinstance(error, d.InvalidSubmission | d.InvalidRules):
        return field_problem(error.field or "body", error.message)
    if isinstance(error, d.DecisionRefused):
        return Problem(
            403, "forbidden", "Not allowed", error.message, missing=error.missing, **_needs(error.missing)
        )
    if isinstance(error, d.FourEyesViolation):
        return Problem(403, "four-eyes", "Four eyes", error.message, missing="approvals:four-eyes")
    if isinstance(error, d.ApprovalClosed):
        return Problem(409, "approval-closed", "Approval closed", error.message, approval_status=error.status)
    if isinstance(error, d.AlreadySubmitted):
        return Problem(
            409, "already-submitted", "Already submitted", error.message, approval_id=error.approval_id
        )
    return None


ApprovalsRoute = problem_route(to_problem)
"""Routes whose domain and application errors become problem+json responses."""
