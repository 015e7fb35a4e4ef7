"""One light ASGI middleware: request/correlation ids, body limits, latency metric, access log.

The body is read here, before the app runs, and whatever the headers announce: the bytes that
arrive are counted (413 past ``max_body_bytes``) and must all arrive within ``body_timeout``
seconds (408). Both answers close the connection, so the rest of a body is never read.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, NamedTuple

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.observability.metrics import HTTP_LATENCY

log = structlog.get_logger("http")


class _Refusal(NamedTuple):
    status: int
    problem: str
    title: str
    detail: str


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, *, service: str, max_body_bytes: int, body_timeout: float = 30.0
    ) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        correlation_id = headers.get("x-correlation-id") or request_id
        scope.setdefault("state", {})
        scope["state"]["request_id"] = request_id
        scope["state"]["correlation_id"] = correlation_id
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-request-id", request_id.encode()),
                    (b"x-correlation-id", correlation_id.encode()),
                ]
            await send(message)

        length = headers.get("content-length")
        refusal: _Refusal | None = None
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            refusal = self._too_large()
        else:
            try:
                async with asyncio.timeout(self.body_timeout):
                    buffered = await self._read_within_limit(receive)
            except TimeoutError:
                refusal = self._too_slow()
            else:
                if buffered is None:
                    refusal = self._too_large()
                else:
                    receive = _replaying(buffered, receive)
        if refusal is not None:
            status = refusal.status
            await _close_with_problem(scope, send_with_ids, refusal)
            HTTP_LATENCY.labels(self.service, scope["method"], "unmatched", str(status)).observe(
                time.perf_counter() - started
            )
            structlog.contextvars.clear_contextvars()
            return

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            HTTP_LATENCY.labels(self.service, scope["method"], template, str(status)).observe(elapsed)
            structlog.contextvars.clear_contextvars()

    async def _read_within_limit(self, receive: Receive) -> bytes | None:
        """The whole request body, or None as soon as it exceeds the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client left: the app sees an empty body
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                return None
            chunks.append(body)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> _Refusal:
        detail = f"the body exceeds {self.max_body_bytes} bytes"
        return _Refusal(413, "payload-too-large", "Payload too large", detail)

    def _too_slow(self) -> _Refusal:
        detail = f"the body did not arrive within {self.body_timeout:g} s"
        return _Refusal(408, "request-timeout", "Request timeout", detail)


async def _close_with_problem(scope: Scope, send: Send, refusal: _Refusal) -> None:
    """A problem+json answer that also ends the connection (the body was not read to its end)."""
    body = orjson.dumps(
        {
            "type": f"https://guichet.dev/problems/{refusal.problem}",
            "title": refusal.title,
            "status": refusal.status,
            "detail": refusal.detail,
            "instance": scope["path"],
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body over once, then defers to the server."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
