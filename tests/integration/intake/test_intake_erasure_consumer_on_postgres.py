"""Intake's retention consumer on real PostgreSQL: a ``SubjectErased`` blanks the customer's
read models, counts intake's sealed events and records ``intake.SubjectDataErased`` in the
consumer's own transaction."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import uuid4

from fastapi.testclient import TestClient

from events.catalogue.intake import SubjectDataErased
from events.catalogue.retention import SubjectErased
from events.envelope import Envelope
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from events.testing.servers import make_database
from intake.entrypoints.consumer import build_consumer
from intake.service import DEFINITION

SECRET = "intake-integration-secret-0123456789abcdef"


def wait_ready(client: TestClient, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while (response := client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.1)


async def test_an_erasure_blanks_intake_on_postgres_and_reports_its_events(postgres_url, tmp_path) -> None:
    url = await make_database(postgres_url, f"intake_{uuid4().hex[:12]}")
    settings = ServiceSettings(
        service="intake", data_dir=tmp_path, database_url=url, jwt_secret=SECRET, log_json=False
    )
    auth = {"Authorization": f"Bearer {issue_token('alice', level=2, team='billing', secret=SECRET)}"}
    person = {"profile": "b2c", "first_name": "Jeanne", "last_name": "Martin", "email": "j.martin@exemple.fr"}
    with TestClient(create_service_app(DEFINITION, settings)) as client:
        wait_ready(client)
        customer_id = client.post("/customers", headers=auth, json=person).json()["customer_id"]
        body = {
            "channel": "email",
            "customer_id": customer_id,
            "subject": "Facture",
            "description": "Deux fois",
        }
        request_id = client.post("/requests", headers=auth, json=body).json()["request_id"]
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        consumer = build_consumer(runtime)
        erased = SubjectErased(
            request_id=uuid4(),
            subject=customer_id,
            categories=("contractual",),
            kept=(),
            key_ids=(),
            events_affected=0,
            erased_by="dpo-1",
            at=datetime.now(UTC),
        )

        async def erase() -> None:
            key_ids = tuple(await runtime.keyring.destroy(customer_id, frozenset({"contractual"})))
            event = erased.model_copy(update={"key_ids": key_ids})
            envelope = Envelope(
                id=uuid4(),
                source="/guichet/retention",
                type=SubjectErased.event_type,
                time=event.at,
                stream_id=uuid4(),
                stream_type="subject_request",
                stream_version=1,
                schema_version=1,
                data=event.model_dump(mode="json"),
            )
            async with runtime.engine.begin() as connection:
                await consumer.handlers[SubjectErased.event_type](envelope, event, connection)

        assert client.portal is not None
        client.portal.call(erase)

        read = client.get(f"/customers/{customer_id}", headers=auth).json()
        assert (read["first_name"], read["last_name"], read["email"]) == (None, None, None)
        detail = client.get(f"/requests/{request_id}", headers=auth).json()
        assert (detail["subject"], detail["description"]) == (None, None)
        assert client.post("/customers", headers=auth, json=person).status_code == 201
        stored = client.portal.call(runtime.store.read_all, 0, 1000)
        [report] = [e.decode() for e in stored if e.type == SubjectDataErased.event_type]
        assert (report.subject, report.cause_id, report.events_affected) == (
            customer_id,
            erased.request_id,
            2,
        )
