"""The documents domain errors as problem+json: the one place that picks their HTTP status."""

from typing import Any

from documents.domain import errors as d
from events.service.http import problem_route
from events.service.problems import Problem

_STATUS: dict[type[d.DocumentError], int] = {
    d.InvalidDocument: 422,
    d.TemplateRefused: 422,
    d.IllegalDocumentState: 409,
    d.ValidationMissing: 409,
}


def _extra(error: d.DocumentError) -> dict[str, Any]:
    if isinstance(error, d.InvalidDocument):
        return {"errors": [{"field": p.field, "message": p.message, "type": p.kind} for p in error.problems]}
    if isinstance(error, d.TemplateRefused):
        return {
            "reason": error.reason,
            "errors": [{"field": "source", "message": error.message, "type": error.reason}],
        }
    if isinstance(error, d.ValidationMissing):
        return {
            "missing": "validation",
            "document_id": error.document_id,
            "content_hash": error.content_hash,
            "reason": error.reason,
        }
    if isinstance(error, d.IllegalDocumentState):
        return {"current_status": error.status, "action": error.action}
    return {}


def to_problem(error: Exception) -> Problem | None:
    if isinstance(error, d.DocumentError):
        code = error.code.replace("_", "-")
        title = error.code.replace("_", " ").capitalize()
        return Problem(_STATUS.get(type(error), 409), code, title, error.message, **_extra(error))
    return None


DocumentsRoute = problem_route(to_problem)
