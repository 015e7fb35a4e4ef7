"""HTTP helpers shared by the services' routes: command metadata, ETag / If-Match, and the
route class that turns errors into problem+json (``problem_route``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from fastapi import Request, Response
from fastapi.routing import APIRoute

from events.application.errors import IdempotencyKeyReused, NotFound, StaleVersion, UnknownReference
from events.envelope import Metadata
from events.observability.tracing import current_traceparent, trace_context
from events.service.auth import Actor
from events.service.problems import Problem

__all__ = [
    "IF_MATCH_PATTERN",
    "ErrorMapper",
    "application_problem",
    "command_metadata",
    "etag",
    "field_problem",
    "problem_route",
    "set_etag",
    "stale",
    "version_in",
]


def command_metadata(request: Request, actor: Actor) -> Metadata:
    """Who did it, which request chain it belongs to, and the trace it ran in: the current
    span's, else the client's ``traceparent`` if valid (W3C), else a new trace."""
    correlation = getattr(request.state, "correlation_id", None)
    traceparent, tracestate = trace_context(
        (current_traceparent(), (request.headers.get("traceparent"), request.headers.get("tracestate")))
    )
    try:
        correlation_id = UUID(correlation) if correlation else None
    except ValueError:
        correlation_id = None
    return Metadata(
        correlation_id=correlation_id, actor=actor.subject, traceparent=traceparent, tracestate=tracestate
    )


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


IF_MATCH_PATTERN = r'^\s*(W/)?"?[0-9]{1,18}"?\s*$'
"""One ETag the server gave: a stream version, quoted or not, weak or not; at most 18 digits."""


def version_in(if_match: str) -> int:
    """The stream version an If-Match that matches ``IF_MATCH_PATTERN`` names."""
    return int(if_match.strip().removeprefix("W/").strip('"'))


def stale(current: int, expected: int) -> Problem:
    return Problem(
        412,
        "precondition-failed",
        "If-Match does not match",
        f"the resource is at version {current}, not {expected}: read it again",
        current_version=current,
    )


ErrorMapper = Callable[[Exception], Problem | None]
"""Turns a service's own error into its problem+json, or None when it does not know it."""


def field_problem(field: str, message: str, location: str = "body") -> Problem:
    """A 422 shaped like the platform's validation errors, naming ``field``."""
    return Problem(
        422,
        "validation-error",
        "The request is not valid",
        f"invalid fields: {field}",
        errors=[{"field": field, "location": location, "message": message, "type": "value_error"}],
    )


def application_problem(error: Exception) -> Problem | None:
    """The problem+json of the shared application errors (``events.application.errors``)."""
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
    return None


def problem_route(*mappers: ErrorMapper) -> type[APIRoute]:
    """A route class whose handlers' errors become problem+json: each of ``mappers`` is asked
    in turn (the service's own first), then the shared application errors; an error nobody
    maps stays a 500. Use it as ``APIRouter(route_class=problem_route(to_problem))``."""
    chain = (*mappers, application_problem)

    class ProblemRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                try:
                    return await handler(request)
                except Problem:
                    raise
                except Exception as error:
                    for mapper in chain:
                        problem = mapper(error)
                        if problem is not None:
                            raise problem from error
                    raise

            return route

    return ProblemRoute
