"""An erasure through retention's API reaches every service over Kafka, on PostgreSQL: the five
services run as deployed (a database each, one shared key database, relays and consumers on
the real broker); intake and documents blank their clear copies of the customer, each service
records its report, and retention's answer shows what each did."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from approvals.service import DEFINITION as APPROVALS
from documents.adapters.outbox import customer_contacts
from documents.service import DEFINITION as DOCUMENTS
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings
from events.testing.servers import make_database
from intake.service import DEFINITION as INTAKE
from retention.service import DEFINITION as RETENTION
from sla_clock.service import DEFINITION as SLA_CLOCK

SECRET = "erasure-integration-secret-0123456789abcdef"
SERVICES: tuple[tuple[ServiceDefinition, dict[str, Any]], ...] = (
    (RETENTION, {"jobs": False}),
    (INTAKE, {}),
    (DOCUMENTS, {"mail_worker": False}),
    (APPROVALS, {"deadline_worker": False}),
    (SLA_CLOCK, {"scheduler": False}),
)
REPORTING = {"intake", "documents", "approvals", "sla-clock"}


def bearer(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    token = issue_token(subject, roles=roles, teams=("support",), level=level, secret=SECRET)
    return {"Authorization": f"Bearer {token}"}


DESK = bearer("alice", "agent", "manager", level=2)
DPO = bearer("dpo-1", "dpo")


def eventually(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)
    return found


@pytest.fixture
async def databases(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    tag = uuid4().hex[:8]
    monkeypatch.setenv("GUICHET_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    monkeypatch.setenv("GUICHET_KEYS_DATABASE_URL", await make_database(postgres_url, f"keys_{tag}"))
    return {
        definition.name: await make_database(postgres_url, f"{definition.context}_{tag}")
        for definition, _ in SERVICES
    }


@pytest.fixture
def services(
    databases: dict[str, str], kafka_bootstrap: str, tmp_path: Path
) -> Iterator[dict[str, TestClient]]:
    """Started one after the other (migrations run one at a time in a process)."""
    clients: dict[str, TestClient] = {}
    try:
        for definition, extra in SERVICES:
            settings = ServiceSettings(
                service=definition.name,
                data_dir=tmp_path,
                database_url=databases[definition.name],
                kafka_bootstrap=kafka_bootstrap,
                jwt_secret=SECRET,
                log_json=False,
            )
            client = TestClient(create_service_app(replace(definition, extra=extra), settings))
            client.__enter__()
            clients[definition.name] = client
            eventually(lambda ready=client: ready.get("/readyz").status_code == 200, timeout=120)
        yield clients
    finally:
        for client in reversed(list(clients.values())):
            client.__exit__(None, None, None)


def contact_of(documents: TestClient, customer_id: str) -> list[Any]:
    engine = documents.app.state.runtime.engine  # type: ignore[attr-defined]

    async def run() -> list[Any]:
        async with engine.connect() as connection:
            query = select(customer_contacts.c.email).where(
                customer_contacts.c.customer_id == UUID(customer_id)
            )
            return list((await connection.execute(query)).scalars())

    assert documents.portal is not None
    return documents.portal.call(run)


def test_an_erasure_reaches_every_service_over_kafka(services: dict[str, TestClient]) -> None:
    intake, documents, retention = services["intake"], services["documents"], services["retention"]
    person = {"profile": "b2c", "first_name": "Jeanne", "last_name": "Martin", "email": "j.martin@exemple.fr"}
    created = intake.post("/customers", json=person, headers=DESK)
    assert created.status_code == 201, created.text
    customer_id = created.json()["customer_id"]
    body = {"channel": "email", "customer_id": customer_id, "contact": person["email"], "subject": "Facture"}
    assert intake.post("/requests", json=body, headers=DESK).status_code == 201
    # Kafka carries the sealed form; documents' consumer opens it with the shared key database.
    assert eventually(lambda: contact_of(documents, customer_id) == [person["email"]])

    request = {"kind": "erasure", "identity": {"name": "Jeanne Martin"}, "customer_id": customer_id}
    answer = eventually(
        lambda: (r := retention.post("/subject-requests", json=request, headers=DPO)).status_code == 201 and r
    )
    request_id = answer.json()["request_id"]
    verified = retention.post(
        f"/subject-requests/{request_id}/identity-verified", json={"method": "ID card"}, headers=DPO
    )
    assert verified.status_code == 200, verified.text
    assert retention.post(f"/subject-requests/{request_id}/erase", headers=DPO).status_code == 200

    def reported() -> dict[str, Any] | None:
        read = retention.get(f"/subject-requests/{request_id}", headers=DPO).json()
        return read if set(read["erased_by_service"]) >= REPORTING else None

    read = eventually(reported, timeout=30)
    assert read["events_affected_by_service"]["intake"] == 2
    assert read["erased_by_service"]["documents"]["read_model_rows"] >= 2  # its contact and request rows
    assert read["erased_by_service"]["sla-clock"] == {
        "subjects": 1,
        "events_affected": 0,
        "read_model_rows": 0,
        "parked_events": 0,
    }
    customer = intake.get(f"/customers/{customer_id}", headers=DESK).json()
    assert (customer["first_name"], customer["last_name"], customer["email"]) == (None, None, None)
    assert contact_of(documents, customer_id) == [None]
