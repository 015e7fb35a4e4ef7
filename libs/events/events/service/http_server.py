"""uvicorn as every service runs it: no ``server`` header, and a deadline on request headers.

uvicorn bounds the idle time between two requests (``timeout_keep_alive``) but neither the time
a client may take to send a request's line and headers nor their size: a client that trickles
them holds a connection for ever. :func:`bounded_http_protocol` closes such a connection with a
408 (or a 431 when the headers outgrow ``max_header_bytes``). The body's own deadline is the
middleware's (:mod:`events.service.middleware`), which answers it with problem+json.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from events.service.settings import ServiceSettings

MAX_HEADER_BYTES = 64 * 1024


def _closing_response(status: int, reason: str, detail: str) -> bytes:
    problem = reason.lower().replace(" ", "-")
    body = orjson.dumps(
        {
            "type": f"https://guichet.dev/problems/{problem}",
            "title": reason,
            "status": status,
            "detail": detail,
        }
    )
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode()
    return head + body


class _BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools' protocol, with one timer armed while a request's line and headers arrive."""

    header_timeout: float = 10.0
    max_header_bytes: int = MAX_HEADER_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._awaiting_headers = False
        self._header_bytes = 0
        self._headers_seen = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        awaiting_before, headers_before = self._awaiting_headers, self._headers_seen
        super().data_received(data)
        if not self._awaiting_headers or self.transport.is_closing():
            return
        if awaiting_before and headers_before == self._headers_seen:
            self._header_bytes += len(data)  # the whole chunk belongs to the awaited headers
        else:
            self._header_bytes = 0  # they began inside this chunk: counted from the next one
        if self._header_bytes > self.max_header_bytes:
            self._close_with(431, "Request Header Fields Too Large", "the request headers are too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._awaiting_headers:
            self._await_headers()

    def on_headers_complete(self) -> None:
        self._headers_seen += 1
        self._disarm()
        super().on_headers_complete()

    def _await_headers(self) -> None:
        self._disarm()
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        self._awaiting_headers = False
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self._awaiting_headers and not self.transport.is_closing():
            self._close_with(
                408, "Request Timeout", f"the request headers took more than {self.header_timeout:g} s"
            )

    def _close_with(self, status: int, reason: str, detail: str) -> None:
        self._disarm()
        self.transport.write(_closing_response(status, reason, detail))
        self.transport.close()


def bounded_http_protocol(
    header_timeout: float, max_header_bytes: int = MAX_HEADER_BYTES
) -> type[asyncio.Protocol]:
    """uvicorn's ``http`` protocol class with these bounds on a request's line and headers."""
    return type(
        "BoundedHttpToolsProtocol",
        (_BoundedHttpToolsProtocol,),
        {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes},
    )


def server_options(settings: ServiceSettings) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` / ``uvicorn.Config`` for one service."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "http": bounded_http_protocol(settings.header_timeout),
        "timeout_keep_alive": settings.keep_alive_timeout,
    }
