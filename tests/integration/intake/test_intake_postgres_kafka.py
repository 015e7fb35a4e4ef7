"""Intake on real PostgreSQL + Kafka: HTTP commands land as events on the `guichet.intake` topic."""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from fastapi.testclient import TestClient

from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from events.testing.servers import make_database
from intake.service import DEFINITION

SECRET = "intake-integration-secret-0123456789abcdef"
TOPIC = "guichet.intake"


async def records_for(
    bootstrap: str, key: str, expected: int, timeout: float = 60.0
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < expected:
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(m for m in messages if m.key == key.encode())
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return found


def wait_ready(client: TestClient, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while (response := client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.1)


async def test_requests_and_customers_on_postgres_reach_the_kafka_topic(
    postgres_url, kafka_bootstrap, tmp_path
):
    url = await make_database(postgres_url, f"intake_{uuid4().hex[:12]}")
    settings = ServiceSettings(
        service="intake",
        data_dir=tmp_path,
        database_url=url,
        kafka_bootstrap=kafka_bootstrap,
        jwt_secret=SECRET,
        log_json=False,
    )
    token = issue_token("alice", level=2, team="technical_support", secret=SECRET)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_service_app(DEFINITION, settings)) as client:
        wait_ready(client)
        customer = client.post(
            "/customers",
            headers=auth,
            json={
                "profile": "b2b",
                "company": "Acme SAS",
                "last_name": "Martin",
                "email": "j.martin@acme.fr",
                "phone": "01 42 68 53 00",
            },
        )
        assert customer.status_code == 201, customer.text
        duplicate = client.post(
            "/customers",
            headers=auth,
            json={"profile": "b2b", "company": "ACME", "last_name": "Martin", "email": "J.Martin@acme.fr"},
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["candidates"][0]["customer_id"] == customer.json()["customer_id"]

        body = {
            "channel": "phone",
            "customer_id": customer.json()["customer_id"],
            "subject": "Panne",
            "description": "Plus d'accès au portail",
            "qualification": {
                "category": "technical",
                "impact": "high",
                "urgency": "high",
                "workaround": "partial",
            },
        }
        created = client.post("/requests", headers=auth | {"Idempotency-Key": "call-1"}, json=body)
        retried = client.post("/requests", headers=auth | {"Idempotency-Key": "call-1"}, json=body)
        assert created.status_code == retried.status_code == 201, created.text
        request = created.json()
        assert retried.json()["request_id"] == request["request_id"]
        # the 201 body is the row the creation committed (not read back): what GET returns
        assert client.get(f"/requests/{request['request_id']}", headers=auth).json() == request
        assert request["reference"].endswith("-000001")  # the year's reference sequence
        assert (request["priority"], request["profile"]) == ("p2", "b2b")
        assert request["team"] == "technical_support"
        changed = client.post(
            f"/requests/{request['request_id']}/priority",
            headers=auth | {"If-Match": f'"{request["version"]}"'},
            json={
                "priority": "p1",
                "criterion": "workaround",
                "new_value": "none",
                "reason": "le contournement ne fonctionne plus",
                "exception": True,
            },
        )
        assert changed.status_code == 200, changed.text
        stale = client.post(
            f"/requests/{request['request_id']}/acknowledge",
            headers=auth | {"If-Match": f'"{request["version"]}"'},
        )
        assert stale.status_code == 412
        listed = client.get("/requests", headers=auth, params={"priority": "p1", "limit": 1}).json()
        assert [r["request_id"] for r in listed["items"]] == [request["request_id"]]
        assert client.get("/queue", headers=auth).json()["items"][0]["request_id"] == request["request_id"]

        records = await records_for(kafka_bootstrap, request["request_id"], expected=4)
    types = [dict(r.headers)["ce_type"].decode() for r in records]
    assert types == [
        "intake.RequestReceived",
        "intake.RequestQualified",
        "intake.RequestAssigned",
        "intake.PriorityChanged",
    ]
    headers = dict(records[0].headers)
    assert headers["ce_source"] == b"/guichet/intake" and headers["ce_actor"] == b"alice"
    assert headers["ce_streamid"] == request["request_id"].encode()
    assert orjson.loads(records[0].value)["reference"] == request["reference"]
    assert orjson.loads(records[3].value)["criterion"] == "workaround"
