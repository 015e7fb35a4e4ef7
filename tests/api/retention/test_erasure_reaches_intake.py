"""An erasure and a purge reach intake's read models: retention destroys the keys and records
``SubjectErased`` / ``RetentionPurgeExecuted``; intake's consumer blanks the subject's clear
values and reports the events it holds sealed under those keys (``intake.SubjectDataErased``),
which retention shows in its answer. Events go from one service to the other as the bus hands
them over (the producer's stored events, fed to the other's consumer)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from retention_desk import DPO, MovableClock, bearer, feed, ready, runtime_of

from events.catalogue.intake import SubjectDataErased
from events.service.app import create_service_app
from events.service.settings import ServiceSettings
from intake.entrypoints.consumer import build_consumer as intake_consumer
from intake.service import DEFINITION as INTAKE

DESK = bearer("alice", "agent", "manager")
PERSON = {
    "profile": "b2c",
    "first_name": "Jeanne",
    "last_name": "Martin",
    "email": "jeanne.martin@exemple.fr",
}


@pytest.fixture
def intake(data_dir: Path, clock: MovableClock) -> Iterator[TestClient]:
    """Intake in the same data directory: the same key database as retention."""
    settings = ServiceSettings(service="intake", data_dir=data_dir / "retention", log_json=False)
    with TestClient(create_service_app(replace(INTAKE, extra={"clock": clock}), settings)) as client:
        yield ready(client)


def published(client: TestClient) -> list[Any]:
    assert client.portal is not None
    return client.portal.call(runtime_of(client).store.read_all, 0, 10_000)


def hand_to_intake(api: TestClient, intake: TestClient) -> None:
    consumer = intake_consumer(runtime_of(intake))

    async def run() -> None:
        await consumer.process_many(published(api))

    assert intake.portal is not None
    intake.portal.call(run)


def register(intake: TestClient, clock: MovableClock, **fields: Any) -> tuple[str, str]:
    customer = intake.post("/customers", json=PERSON | fields, headers=DESK)
    assert customer.status_code == 201, customer.text
    customer_id: str = customer.json()["customer_id"]
    request = intake.post(
        "/requests",
        json={
            "channel": "email",
            "received_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "customer_id": customer_id,
            "contact": "jeanne.martin@exemple.fr",
            "subject": "Résiliation",
            "description": "Je souhaite résilier mon contrat",
            "category": "billing",
        },
        headers=DESK,
    )
    assert request.status_code == 201, request.text
    return customer_id, request.json()["request_id"]


def reports(intake: TestClient) -> list[SubjectDataErased]:
    return [e.decode() for e in published(intake) if e.type == SubjectDataErased.event_type]


def assert_blanked(intake: TestClient, customer_id: str, request_id: str) -> None:
    read = intake.get(f"/customers/{customer_id}", headers=DESK).json()
    assert (read["first_name"], read["last_name"], read["email"]) == (None, None, None), read
    detail = intake.get(f"/requests/{request_id}", headers=DESK).json()
    assert (detail["contact"], detail["subject"], detail["description"]) == (None, None, None), detail
    assert intake.post("/customers", json=PERSON, headers=DESK).status_code == 201


def test_an_erasure_blanks_intake_and_retention_reports_its_events(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id, request = register(intake, clock)
    assert intake.post("/customers", json=PERSON, headers=DESK).status_code == 409
    feed(api, published(intake))
    body = {"kind": "erasure", "identity": {"name": "Jeanne Martin"}, "customer_id": customer_id}
    request_id = api.post("/subject-requests", json=body, headers=DPO).json()["request_id"]
    api.post(f"/subject-requests/{request_id}/identity-verified", json={"method": "ID card"}, headers=DPO)
    assert api.post(f"/subject-requests/{request_id}/erase", headers=DPO).status_code == 200

    hand_to_intake(api, intake)
    assert_blanked(intake, customer_id, request)
    [report] = reports(intake)
    assert (report.cause, str(report.cause_id), report.subject) == ("erasure", request_id, customer_id)
    assert report.events_affected == 2 and report.key_ids

    hand_to_intake(api, intake)
    assert len(reports(intake)) == 1
    feed(api, published(intake))
    answer = api.get(f"/subject-requests/{request_id}", headers=DPO).json()
    assert answer["events_affected_by_service"] == {"intake": 2}


def test_a_purge_of_a_category_blanks_intake_and_the_proof_counts_its_events(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id, request = register(
        intake, clock, contract_end=(clock.now().date() - timedelta(days=1)).isoformat()
    )
    feed(api, published(intake))
    clock.advance(timedelta(days=61 * 31))
    run = api.post("/purges", headers=DPO)
    assert run.status_code == 201, run.text
    contractual = next(p for p in run.json()["purges"] if p["category"] == "contractual")
    assert contractual["subjects"] == 1 and contractual["key_ids"]

    hand_to_intake(api, intake)
    assert_blanked(intake, customer_id, request)
    [report] = reports(intake)
    assert (report.cause, str(report.cause_id)) == ("purge", contractual["purge_id"])
    assert report.categories == ("contractual",) and report.events_affected == 2

    feed(api, published(intake))
    proofs = {p["purge_id"]: p for p in api.get("/purges", headers=DPO).json()["purges"]}
    assert proofs[contractual["purge_id"]]["events_affected_by_service"] == {"intake": 2}
    assert all(
        p["events_affected_by_service"] == {} for key, p in proofs.items() if key != contractual["purge_id"]
    )
    assert date.fromisoformat(contractual["retained_before"][:10]) < clock.now().date()
