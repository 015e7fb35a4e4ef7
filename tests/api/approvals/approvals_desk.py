"""Approvals API helpers on the embedded default (SQLite, in-process bus), with tokens per person.
Imported by name (``from approvals_desk import …``): a ``conftest`` import would find another
directory's when several test directories run in one session.

Authority comes from the token here (``TokenAuthorities``): these tests are about levels,
four eyes and the content hash, not about recorded habilitations."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from approvals.adapters.authorities import TokenAuthorities
from approvals.service import DEFINITION
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings


def bearer(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    token = issue_token(subject, roles=roles, teams=("support",), level=level)
    return {"Authorization": f"Bearer {token}"}


AGENT = bearer("alice", "agent")
MANAGER = bearer("bob", "manager", level=2)
OTHER_MANAGER = bearer("carl", "manager", level=2)
DIRECTOR = bearer("dora", "director", level=3)
OTHER_DIRECTOR = bearer("eve", "director", level=3)


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def start(data_dir: Path) -> TestClient:
    settings = ServiceSettings(service="approvals", data_dir=data_dir, log_json=False)
    return TestClient(
        create_service_app(replace(DEFINITION, extra={"authorities": TokenAuthorities()}), settings)
    )


def ready(client: TestClient) -> TestClient:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def wait() -> None:
        async with asyncio.timeout(15):
            await runtime.ready.wait()

    assert client.portal is not None
    client.portal.call(wait)
    return client


def submit(client: TestClient, headers: dict[str, str] = AGENT, **fields: Any) -> Any:
    body = {
        "request_id": str(uuid4()),
        "content_hash": digest("Bonjour, nous vous accordons un geste commercial."),
        "kind": "commercial_gesture",
        "amounts": [{"amount": "200", "currency": "EUR"}],
    } | fields
    return client.post("/approvals", json=body, headers=headers)


def if_match(rules: dict[str, Any]) -> dict[str, str]:
    """The If-Match of a rules definition: the version of ``rules`` (as GET /rules/current read it)."""
    return {"If-Match": f'"{rules["version"]}"'}
