"""The request middleware counts the body bytes that arrive and bounds the time they take."""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import Message, Receive, Scope, Send

from events.service.middleware import RequestContextMiddleware


def http_scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": "POST", "path": "/greetings", "headers": headers}


class Client:
    """Sends a body in chunks and records what the app and the middleware did with it."""

    def __init__(self, chunks: list[bytes], *, then_stall: bool = False) -> None:
        self.chunks = chunks
        self.then_stall = then_stall
        self.read = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if self.read == len(self.chunks):
            await asyncio.Event().wait()  # a client that stops sending
        self.read += 1
        last = self.read == len(self.chunks) and not self.then_stall
        return {"type": "http.request", "body": self.chunks[self.read - 1], "more_body": not last}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


async def echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def run(client: Client, headers: list[tuple[bytes, bytes]], **limits: float) -> None:
    options: dict[str, float] = {"max_body_bytes": 1000, "body_timeout": 5.0} | limits
    middleware = RequestContextMiddleware(echo_length, service="kit", **options)  # type: ignore[arg-type]
    asyncio.run(middleware(http_scope(headers), client.receive, client.send))


def test_a_body_past_the_limit_is_413_whatever_the_headers_say() -> None:
    for headers in ([(b"transfer-encoding", b"CHUNKED")], [(b"transfer-encoding", b"Chunked")], []):
        client = Client([b"x" * 100] * 400)  # 40 kB sent, 1 kB allowed
        run(client, headers)
        assert client.status == 413, headers
        assert client.read == 11, "reading stops at the first byte past the limit"
        assert client.headers[b"content-type"] == b"application/problem+json"
        assert client.headers[b"connection"] == b"close"
        assert orjson.loads(client.sent[1]["body"])["title"] == "Payload too large"


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    client = Client([b"x" * 100] * 10)
    run(client, [(b"transfer-encoding", b"CHUNKED")])
    assert (client.status, client.sent[1]["body"]) == (200, b"1000")


def test_a_body_that_stops_arriving_is_408_and_the_connection_closes() -> None:
    client = Client([b"{", b'"name"'], then_stall=True)
    run(client, [(b"content-length", b"100")], body_timeout=0.05)
    assert client.status == 408
    assert client.headers[b"connection"] == b"close"
    problem = orjson.loads(client.sent[1]["body"])
    assert (problem["status"], problem["type"]) == (408, "https://guichet.dev/problems/request-timeout")
    assert problem["detail"] == "the body did not arrive within 0.05 s"
