"""HTTP helpers shared by the services' routes: command metadata, ETag / If-Match."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request, Response

from events.envelope import Metadata
from events.observability.tracing import current_traceparent
from events.service.auth import Actor
from events.service.problems import Problem


def command_metadata(request: Request, actor: Actor) -> Metadata:
    """Who did it, which request chain it belongs to, and the trace it ran in."""
    correlation = getattr(request.state, "correlation_id", None)
    traceparent, tracestate = current_traceparent()
    traceparent = traceparent or request.headers.get("traceparent")
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


def expected_version(request: Request, *, required: bool = True) -> int | None:
    """The stream version named by ``If-Match``; 428 if required and absent, 412 if malformed."""
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise Problem(
                428,
                "precondition-required",
                "If-Match required",
                "send the ETag you read as If-Match, so no update is lost",
            )
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Problem(412, "precondition-failed", "If-Match does not match", f"malformed If-Match {header!r}")
    return int(value)


def stale(current: int, expected: int) -> Problem:
    return Problem(
        412,
        "precondition-failed",
        "If-Match does not match",
        f"the resource is at version {current}, not {expected}: read it again",
        current_version=current,
    )
