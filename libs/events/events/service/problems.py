"""Errors as RFC 9457 ``application/problem+json``, for every service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.store import ConcurrencyError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://guichet.dev/problems/"
log = structlog.get_logger(__name__)


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


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(request, error.status, error.code, error.title, error.detail, **error.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = _field_errors(error)
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
        return problem_response(request, error.status_code, code, str(error.detail), headers=error.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("http.unhandled_error", path=request.url.path)
        return problem_response(
            request, 500, "internal-error", "Internal error", "the error was logged; nothing was half-written"
        )
