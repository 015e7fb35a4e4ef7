"""Approvals: from the deciding call to ``ResponseValidated`` on Kafka (target p99 <= 1 s).

The approvals service runs in process on the bench PostgreSQL and Kafka (its relay publishing
to ``guichet.approvals``). For each of N level-2 approvals (a commercial gesture of 200 EUR,
submitted first, not timed), a director's approval is sent and the instant of the call noted;
the latency is the Kafka timestamp of that approval's ``ResponseValidated`` (the relay's
producer time) minus that instant. Decisions go one after the other, as a busy approver's.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from bench.core import Context, Result, scaled

GROUP = "approvals"
TOPIC = "guichet.approvals"
TARGET_MS = 1000.0
SECRET = "approvals-bench-secret-0123456789abcdef"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _validated_at(bootstrap: str, keys: set[str], timeout: float = 120.0) -> dict[str, float]:
    """The Kafka timestamp (seconds) of each key's ``ResponseValidated``."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: dict[str, float] = {}
    try:
        async with asyncio.timeout(timeout):
            while len(found) < len(keys):
                for messages in (await consumer.getmany(timeout_ms=200)).values():
                    for message in messages:
                        key = (message.key or b"").decode()
                        kind = dict(message.headers).get("ce_type", b"").decode()
                        if key in keys and kind == "approvals.ResponseValidated":
                            found[key] = message.timestamp / 1000
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return found


async def run(ctx: Context) -> list[Result]:
    if not ctx.kafka_bootstrap:
        ctx.note("approvals_kafka: no Kafka broker, skipped")
        return []
    from fastapi.testclient import TestClient

    from approvals.service import DEFINITION
    from events.service.app import create_service_app
    from events.service.auth import issue_token
    from events.service.settings import ServiceSettings

    os.environ.setdefault("GUICHET_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    url = await ctx.database(f"bench_approvals_{uuid.uuid4().hex[:8]}")
    count = scaled(300, minimum=20)
    agent = {"Authorization": f"Bearer {issue_token('alice', roles=('agent',), secret=SECRET)}"}
    director = {"Authorization": f"Bearer {issue_token('dora', roles=('director',), level=3, secret=SECRET)}"}
    decided: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = ServiceSettings(
            service="approvals",
            data_dir=Path(data_dir),
            database_url=url,
            kafka_bootstrap=ctx.kafka_bootstrap,
            jwt_secret=SECRET,
            log_json=False,
        )
        definition = replace(DEFINITION, extra={"deadline_worker": False})
        with TestClient(create_service_app(definition, settings)) as client:
            deadline = time.monotonic() + 90
            while client.get("/readyz").status_code != 200:
                if time.monotonic() > deadline:
                    ctx.note("approvals_kafka: the service was not ready after 90 s")
                    return []
                await asyncio.sleep(0.1)
            for n in range(count):
                body = {
                    "request_id": str(uuid.uuid4()),
                    "content_hash": hashlib.sha256(f"geste {n}".encode()).hexdigest(),
                    "kind": "commercial_gesture",
                    "amounts": [{"amount": "200", "currency": "EUR"}],
                }
                approval = client.post("/approvals", json=body, headers=agent).json()
                began = time.time()
                answer = client.post(
                    f"/approvals/{approval['approval_id']}/decisions",
                    json={"decision": "approve"},
                    headers=director,
                )
                if answer.status_code == 200:
                    decided[approval["approval_id"]] = began
            published = await _validated_at(ctx.kafka_bootstrap, set(decided))
    latencies = [(published[key] - began) * 1000 for key, began in decided.items() if key in published]
    if len(latencies) < len(decided):
        missing = len(decided) - len(latencies)
        ctx.note(f"approvals_kafka: {missing} of {len(decided)} validations not seen on Kafka")
    if not latencies:
        return []
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    return [
        Result(
            "approvals: deciding call to ResponseValidated on Kafka, p99",
            p99,
            unit="ms",
            target=TARGET_MS,
            count=len(latencies),
            detail=f"p50 {p50:.0f} ms, max {max(latencies):.0f} ms, decisions one after the other",
            group=GROUP,
            lower_is_better=True,
        )
    ]
