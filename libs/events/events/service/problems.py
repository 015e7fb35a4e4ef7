"""Errors as RFC 9457 ``application/problem+json``, for every service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.store import ConcurrencyError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://guichet.dev/problems/"
log = structlog.get_logger(__name__)

#: The OpenAPI schema of every error body (RFC 9457, plus the fields the platform adds).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem; some problems add fields of their own.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "What kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path that answered"},
        "errors": {
            "type": "array",
            "description": "The fields at fault (validation problems)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "location": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

Dependency = TypeVar("Dependency", bound=Callable[..., Any])


def answers(*statuses: int) -> Callable[[Dependency], Dependency]:
    """Mark a FastAPI dependency with the problem statuses it raises, so that every operation
    using it documents them (``events.service.openapi``)."""

    def mark(dependency: Dependency) -> Dependency:
        dependency.__problem_statuses__ = frozenset(statuses)  # type: ignore[attr-defined]
        return dependency

    return mark


def problem_statuses(dependency: Callable[..., Any]) -> frozenset[int]:
    """The statuses ``dependency`` was marked with by :func:`answers`."""
    return getattr(dependency, "__problem_statuses__", frozenset())


class Problem(Exception):
    """Raise from a route: becomes a problem+json response. ``code`` makes the ``type`` URI."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(part) for part in item["loc"] if part != "body"),
            "location": item["loc"][0] if item["loc"] else None,
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors()
    ]


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at this path (Starlette names only the first
    route's)."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods.update(route.methods or ())
    return sorted(methods)


IF_MATCH_LOCATION = ("header", "if-match")


def _precondition_only(error: RequestValidationError) -> Callable[[Request], JSONResponse] | None:
    """428 when If-Match is missing, 400 when it is malformed, but only if nothing else in the
    request is invalid: a malformed id or body is a 422 whatever the preconditions."""
    items = error.errors()
    if not items or any(tuple(item["loc"]) != IF_MATCH_LOCATION for item in items):
        return None
    if any(item["type"] == "missing" for item in items):
        return lambda request: problem_response(
            request,
            428,
            "precondition-required",
            "If-Match required",
            "send the ETag you read as If-Match, so no update is lost",
        )
    return lambda request: problem_response(
        request,
        400,
        "malformed-if-match",
        "If-Match is malformed",
        'If-Match names one ETag you read, such as "3"',
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(request, error.status, error.code, error.title, error.detail, **error.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = _field_errors(error)
        precondition = _precondition_only(error)
        if precondition is not None:
            return precondition(request)
        fields = ", ".join(sorted({e["field"] or e["location"] or "?" for e in errors}))
        return problem_response(
            request,
            422,
            "validation-error",
            "The request is not valid",
            f"invalid fields: {fields}",
            errors=errors,
        )

    @app.exception_handler(ConcurrencyError)
    async def _conflict(request: Request, error: ConcurrencyError) -> JSONResponse:
        return problem_response(
            request,
            409,
            "concurrency-conflict",
            "Someone else changed this first",
            str(error),
            expected_version=error.expected,
            actual_version=error.actual,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
            413: "payload-too-large",
        }.get(error.status_code, "http-error")
        headers = error.headers
        if error.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return problem_response(request, error.status_code, code, str(error.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("http.unhandled_error", path=request.url.path)
        return problem_response(
            request, 500, "internal-error", "Internal error", "the error was logged; nothing was half-written"
        )
