"""One light ASGI middleware: request/correlation ids, body-size limit, latency metric, access log."""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.observability.metrics import HTTP_LATENCY

log = structlog.get_logger("http")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, service: str, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes

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

        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(scope, send)
            return

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-request-id", request_id.encode()),
                    (b"x-correlation-id", correlation_id.encode()),
                ]
            await send(message)

        if "chunked" in headers.get("transfer-encoding", ""):
            # No length announced: read the body here, within the limit, before the app runs
            # (an error raised from inside the framework's body parsing would become a 400).
            buffered = await self._read_within_limit(receive)
            if buffered is None:
                await self._too_large(scope, send)
                HTTP_LATENCY.labels(self.service, scope["method"], "unmatched", "413").observe(
                    time.perf_counter() - started
                )
                structlog.contextvars.clear_contextvars()
                return
            receive = _replaying(buffered, receive)

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

    async def _too_large(self, scope: Scope, send: Send) -> None:
        body = orjson.dumps(
            {
                "type": "https://guichet.dev/problems/payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"the body exceeds {self.max_body_bytes} bytes",
                "instance": scope["path"],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
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
