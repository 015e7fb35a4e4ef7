"""API tier: a service's app in process, over HTTP through FastAPI's ``TestClient``, on SQLite
under a temporary directory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

WaitReady = Callable[[TestClient], httpx.Response]


def wait_until_ready(client: TestClient, timeout: float = 15) -> httpx.Response:
    """Wait on the service runtime's ``ready`` event (in the client's event loop), then return
    the ``/readyz`` answer. The client must be started (``with TestClient(...)``)."""
    assert client.portal is not None, "enter the client first: its lifespan starts the service"
    app = client.app
    assert isinstance(app, FastAPI)
    runtime = app.state.runtime

    async def started() -> None:
        async with asyncio.timeout(timeout):
            await runtime.ready.wait()

    try:
        client.portal.call(started)
    except TimeoutError:
        pytest.fail(f"not ready after {timeout} s: {client.get('/readyz').json()}")
    return client.get("/readyz")


@pytest.fixture
def wait_ready() -> WaitReady:
    """:func:`wait_until_ready`, for the tests and fixtures of this tier."""
    return wait_until_ready
