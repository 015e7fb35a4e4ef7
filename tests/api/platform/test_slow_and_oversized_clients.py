"""A real uvicorn server, configured as every service runs it, against raw-socket clients.

Timeouts are small here (0.5 s) so that each test ends within a second or two; every wait is
bounded by a deadline and asserts something that happens, never an absence.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import orjson
import pytest
import uvicorn
from fastapi import APIRouter
from pydantic import BaseModel

from events.service.app import create_service_app
from events.service.auth import CurrentActor, issue_token
from events.service.http_server import server_options
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

TIMEOUT = 0.5
LIMIT = 1000
router = APIRouter()


class Greeting(BaseModel):
    name: str


@router.post("/greetings")
def greet(body: Greeting, actor: CurrentActor) -> dict[str, str]:
    return {"by": actor.subject, "text": f"hello {body.name}"}


DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit", routers=(router,))


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    settings = ServiceSettings(
        service="kit",
        data_dir=tmp_path_factory.mktemp("kit"),
        log_json=False,
        max_body_bytes=LIMIT,
        header_timeout=TIMEOUT,
        body_timeout=TIMEOUT,
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_service_app(DEFINITION, settings), **server_options(settings))
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield listener.getsockname()
    server.should_exit = True
    thread.join(15)


class Response:
    def __init__(self, raw: bytes, closed: bool) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {
            name.lower(): value.strip() for name, _, value in (x.partition(":") for x in lines[1:])
        }
        self.closed = closed

    def problem(self) -> dict[str, object]:
        assert self.headers["content-type"] == "application/problem+json"
        return orjson.loads(self.body)


def read_response(connection: socket.socket, within: float = 5.0) -> Response:
    """One response, and whether the server then closed the connection (bounded by ``within``)."""
    deadline = time.monotonic() + within
    raw = b""
    while time.monotonic() < deadline:
        connection.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            return Response(raw, closed=True)
        raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        if head and b"connection: close" not in head.lower():
            length = Response(raw, closed=False).headers.get("content-length")
            if length is not None and len(body) >= int(length):
                return Response(raw, closed=False)
    assert raw, f"no answer within {within} s"
    return Response(raw, closed=False)


def trickle_until_answered(connection: socket.socket, byte: bytes, within: float = 5.0) -> None:
    """Send ``byte`` every 50 ms until the server answers or closes (at most ``within`` s)."""
    started = time.monotonic()
    connection.settimeout(0.05)
    while time.monotonic() - started < within:
        try:
            if connection.recv(1, socket.MSG_PEEK):
                return
        except TimeoutError:
            pass
        try:
            connection.sendall(byte)
        except (BrokenPipeError, ConnectionResetError):
            return
    raise AssertionError(f"still held after {within} s of trickling")


def test_responses_do_not_name_the_server(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: kit\r\n\r\n")
        response = read_response(connection)
    assert response.status == 200
    assert "server" not in response.headers
    assert "x-request-id" in response.headers


@pytest.mark.parametrize("spelling", [b"CHUNKED", b"Chunked", b"chunked"])
def test_a_chunked_body_past_the_limit_is_413_before_authentication(
    address: tuple[str, int], spelling: bytes
) -> None:
    """1,200 bytes of an unfinished chunked body, no token: answered without reading more."""
    chunk = b"%x\r\n%s\r\n" % (400, b"x" * 400)
    with socket.create_connection(address) as connection:
        connection.sendall(
            b"POST /greetings HTTP/1.1\r\nHost: kit\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: " + spelling + b"\r\n\r\n" + chunk * 3
        )
        response = read_response(connection)
    assert response.status == 413
    assert response.problem()["detail"] == f"the body exceeds {LIMIT} bytes"
    assert response.closed


def test_headers_trickled_byte_by_byte_get_408_and_the_connection_closed(address: tuple[str, int]) -> None:
    started = time.monotonic()
    with socket.create_connection(address) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: kit\r\nX-Slow: ")
        trickle_until_answered(connection, b"a")
        elapsed = time.monotonic() - started
        response = read_response(connection)
    assert response.status == 408
    assert response.problem()["detail"] == "the request headers took more than 0.5 s"
    assert response.closed
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2  # the event loop may fire a timer a little early


def test_a_connection_that_sends_nothing_is_closed(address: tuple[str, int]) -> None:
    started = time.monotonic()
    with socket.create_connection(address) as connection:
        response = read_response(connection)
    assert (response.status, response.closed) == (408, True)
    assert time.monotonic() - started < TIMEOUT + 2


def test_slow_headers_of_a_second_request_on_a_kept_alive_connection_get_408(
    address: tuple[str, int],
) -> None:
    with socket.create_connection(address) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: kit\r\n\r\n")
        first = read_response(connection)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: kit\r\nX-Slow: ")
        trickle_until_answered(connection, b"a")
        second = read_response(connection)
    assert (first.status, first.closed) == (200, False)
    assert (second.status, second.closed) == (408, True)


def test_a_body_trickled_without_a_token_gets_408_problem_json(address: tuple[str, int]) -> None:
    started = time.monotonic()
    with socket.create_connection(address) as connection:
        connection.sendall(
            b"POST /greetings HTTP/1.1\r\nHost: kit\r\nContent-Type: application/json\r\n"
            b'Content-Length: 500\r\n\r\n{"name": "'
        )
        trickle_until_answered(connection, b"x")
        elapsed = time.monotonic() - started
        response = read_response(connection)
    assert response.status == 408
    assert response.problem()["title"] == "Request timeout"
    assert response.closed
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2  # the event loop may fire a timer a little early


def test_headers_past_their_size_limit_get_431(address: tuple[str, int]) -> None:
    padding = b"X-Padding: " + b"p" * 1000 + b"\r\n"
    with socket.create_connection(address) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: kit\r\n" + padding * 70)  # never ended
        response = read_response(connection)
    assert response.status == 431
    assert response.closed


def test_a_normal_request_is_untouched(address: tuple[str, int]) -> None:
    body = b'{"name": "bob"}'
    token = issue_token("alice", level=1, team="support").encode()
    with socket.create_connection(address) as connection:
        connection.sendall(
            b"POST /greetings HTTP/1.1\r\nHost: kit\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + token + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        )
        response = read_response(connection)
    assert response.status == 200
    assert orjson.loads(response.body) == {"by": "alice", "text": "hello bob"}
