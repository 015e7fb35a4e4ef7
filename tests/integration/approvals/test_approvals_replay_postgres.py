"""Approvals on real PostgreSQL: the check endpoint answers from the event log alone after a
restart (read model dropped, streams replayed), and a refused command leaves no event."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from approvals.adapters.authorities import TokenAuthorities
from approvals.adapters.rebuild import rebuild_read_model
from approvals.adapters.tables import metadata
from approvals.service import DEFINITION
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from events.testing.servers import make_database

SECRET = "approvals-replay-secret-0123456789abcdef01"


def auth(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(subject, roles=roles, level=level, secret=SECRET)}"}


AGENT, MANAGER = auth("alice", "agent"), auth("bob", "manager", level=2)


def app(url: str, data_dir: Path) -> TestClient:
    settings = ServiceSettings(
        service="approvals", data_dir=data_dir, database_url=url, jwt_secret=SECRET, log_json=False
    )
    definition = replace(DEFINITION, extra={"authorities": TokenAuthorities(), "deadline_worker": False})
    return TestClient(create_service_app(definition, settings))


def wait_ready(client: TestClient, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while (response := client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.1)
    return client.app.state.runtime  # type: ignore[attr-defined]


def check(client: TestClient, content_hash: str, request_id: str) -> tuple[int, dict[str, Any]]:
    response = client.get(f"/validations/{content_hash}", params={"request_id": request_id}, headers=AGENT)
    return response.status_code, response.json()


async def test_the_check_answers_from_the_log_replayed_after_a_restart_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    url = await make_database(postgres_url, f"approvals_{uuid4().hex[:12]}")
    request_id = str(uuid4())
    validated_hash = hashlib.sha256(b"Geste commercial de 200 EUR").hexdigest()
    edited_hash = hashlib.sha256(b"Geste commercial de 250 EUR").hexdigest()

    with app(url, tmp_path) as client:
        runtime = wait_ready(client)
        body = {
            "request_id": request_id,
            "content_hash": validated_hash,
            "kind": "commercial_gesture",
            "amounts": [{"amount": "200", "currency": "EUR"}],
        }
        created = client.post("/approvals", json=body, headers=AGENT).json()
        decided = client.post(
            f"/approvals/{created['approval_id']}/decisions", json={"decision": "approve"}, headers=MANAGER
        )
        assert decided.json()["status"] == "validated", decided.text

        async def events() -> int:
            async with runtime.engine.connect() as connection:
                return int((await connection.execute(text("SELECT count(*) FROM events"))).scalar_one())

        assert client.portal is not None
        before = client.portal.call(events)
        refused = client.post("/approvals", json=body | {"kind": "gift"}, headers=AGENT)
        own = client.post(
            f"/approvals/{created['approval_id']}/decisions", json={"decision": "approve"}, headers=AGENT
        )
        assert (refused.status_code, own.status_code) == (422, 409)  # staff pass the door; it is closed
        assert client.portal.call(events) == before

    with app(url, tmp_path) as client:
        runtime = wait_ready(client)

        async def drop_read_model() -> None:
            async with runtime.engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    await connection.execute(table.delete())

        async def approvals_rows() -> int:
            async with runtime.engine.connect() as connection:
                table = metadata.tables["approvals"]
                return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())

        assert client.portal is not None
        client.portal.call(drop_read_model)
        assert check(client, validated_hash, request_id)[0] == 404
        assert client.portal.call(rebuild_read_model, runtime.store, runtime.state["clock"].now()) == 1
        assert client.portal.call(approvals_rows) == 1

        status, answer = check(client, validated_hash, request_id)
        assert status == 200, answer
        assert (answer["validated"], answer["level"], answer["validated_by"], answer["rules_version"]) == (
            True,
            2,
            ["bob"],
            1,
        )
        assert check(client, edited_hash, request_id)[0] == 404
