"""Erasure of a subject with 1,000 events across services, visible everywhere (target <= 2 s).

The five services run in this process on the bench PostgreSQL (one database each, one shared
key database) and Kafka, as deployed: each relay publishes to its topic, each consumer reads
the topics it declares. Per subject (not timed): intake registers a customer and a request
through its API, then 700 ``CustomerUpdated`` are appended to the customer's stream and 298
``DocumentDrafted`` to documents' store (sealed under the customer's keys), which the other
services consume; the bench waits until retention and documents have them all.

Timed, per subject: from the DPO's ``POST /subject-requests/{id}/erase`` (keys destroyed,
``SubjectErased`` recorded) until retention holds the report of every service (intake,
documents, approvals, sla-clock: each records it in the transaction that blanked its read
models, so a report means that service is blank) and intake's and documents' rows read blank
(polled every 5 ms on their databases). Path: retention's relay -> Kafka -> four consumers ->
their relays -> Kafka -> retention's consumer.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.core import Context, Result, scaled

GROUP = "retention"
TARGET_MS = 2000.0
SECRET = "erasure-bench-secret-0123456789abcdef"
UPDATES = 700
DRAFTS = 298
READY_TIMEOUT_S = 120.0
SEED_TIMEOUT_S = 180.0
ERASE_TIMEOUT_S = 30.0
REPORTING = frozenset({"intake", "documents", "approvals", "sla-clock"})
REPORTED = text("SELECT service FROM retention_service_erasures WHERE cause_id = :c")
AFFECTED = text(
    "SELECT service, sum(events_affected) FROM retention_service_erasures GROUP BY service ORDER BY service"
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _bearer(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    from events.service.auth import issue_token

    token = issue_token(subject, roles=roles, teams=("support",), level=level, secret=SECRET)
    return {"Authorization": f"Bearer {token}"}


class Services:
    """The five services in process, each started (and migrated) one after the other."""

    def __init__(self, urls: dict[str, str], kafka: str, data_dir: Path) -> None:
        self.urls = urls
        self.kafka = kafka
        self.data_dir = data_dir
        self.clients: dict[str, Any] = {}

    def start(self) -> None:
        from fastapi.testclient import TestClient

        from approvals.service import DEFINITION as APPROVALS
        from documents.service import DEFINITION as DOCUMENTS
        from events.service.app import create_service_app
        from events.service.settings import ServiceSettings
        from intake.service import DEFINITION as INTAKE
        from retention.service import DEFINITION as RETENTION
        from sla_clock.service import DEFINITION as SLA_CLOCK

        extras: list[tuple[Any, dict[str, Any]]] = [
            (RETENTION, {"jobs": False}),
            (INTAKE, {}),
            (DOCUMENTS, {"mail_worker": False}),
            (APPROVALS, {"deadline_worker": False}),
            (SLA_CLOCK, {"scheduler": False}),
        ]
        for definition, extra in extras:
            settings = ServiceSettings(
                service=definition.name,
                data_dir=self.data_dir,
                database_url=self.urls[definition.name],
                kafka_bootstrap=self.kafka,
                jwt_secret=SECRET,
                log_json=False,
            )
            client = TestClient(create_service_app(replace(definition, extra=extra), settings))
            client.__enter__()
            self.clients[definition.name] = client
            deadline = time.monotonic() + READY_TIMEOUT_S
            while client.get("/readyz").status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{definition.name} was not ready after {READY_TIMEOUT_S:.0f} s")
                time.sleep(0.1)

    def stop(self) -> None:
        for client in reversed(list(self.clients.values())):
            client.__exit__(None, None, None)

    def call(self, service: str, work: Any) -> Any:
        """Run ``work()`` (a coroutine function) in ``service``'s own event loop."""
        return self.clients[service].portal.call(work)

    def runtime(self, service: str) -> Any:
        return self.clients[service].app.state.runtime


def seed(services: Services, desk: dict[str, str], n: int) -> tuple[str, str]:
    """A customer with 1,000 events across intake and documents; returns (customer, request)."""
    from events.catalogue.documents import DocumentDrafted
    from events.catalogue.intake import CustomerUpdated

    intake = services.clients["intake"]
    family = "Mar" + "".join(chr(ord("a") + (n // 26**i) % 26) for i in range(3))  # no digits in a name
    person = {"profile": "b2c", "first_name": "Jeanne", "last_name": family, "email": f"j{n}@exemple.fr"}
    customer = intake.post("/customers", json=person, headers=desk)
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["customer_id"]
    request = intake.post(
        "/requests",
        json={
            "channel": "email",
            "customer_id": customer_id,
            "contact": person["email"],
            "subject": "Résiliation",
            "description": "Je souhaite résilier mon contrat",
        },
        headers=desk,
    )
    assert request.status_code == 201, request.text
    updates = [
        CustomerUpdated(customer_id=uuid.UUID(customer_id), changes={"phone": f"+3360000{i:04d}"})
        for i in range(UPDATES)
    ]
    now = datetime.now(UTC)
    drafts = [
        DocumentDrafted(
            document_id=uuid.uuid4(),
            kind="quote",
            customer_id=uuid.UUID(customer_id),
            profile="b2c",
            language="fr",
            channel="email",
            recipients=[person["email"]],
            content={"greeting": f"Bonjour {person['first_name']}", "lines": []},
            template_version=1,
            drafted_by="alice",
            drafted_at=now,
        )
        for _ in range(DRAFTS)
    ]

    async def append_updates() -> None:
        store = services.runtime("intake").store
        version = len(await store.read_stream(uuid.UUID(customer_id)))
        await store.append(uuid.UUID(customer_id), "customer", version, updates)
        services.runtime("intake").committed()

    async def append_drafts() -> None:
        store = services.runtime("documents").store
        for draft in drafts:
            await store.append(draft.document_id, "document", 0, [draft])
        services.runtime("documents").committed()

    services.call("intake", append_updates)
    services.call("documents", append_drafts)
    return customer_id, request.json()["request_id"]


async def _scalar(engine: Any, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar()


async def wait_seeded(engines: dict[str, Any], customer_id: str) -> None:
    """Until retention has the customer's intake events and documents its contact."""
    async with asyncio.timeout(SEED_TIMEOUT_S):
        while True:
            held = await _scalar(
                engines["retention"],
                "SELECT count(*) FROM retention_subject_events WHERE subject = :s",
                s=customer_id,
            )
            contact = await _scalar(
                engines["documents"],
                "SELECT count(*) FROM customer_contacts WHERE customer_id = :c",
                c=uuid.UUID(customer_id),
            )
            if held >= UPDATES + 2 and contact:
                return
            await asyncio.sleep(0.05)


async def wait_erased(engines: dict[str, Any], request_id: str, customer_id: str) -> bool:
    """Until every service reported to retention and intake's and documents' rows read blank."""
    cause = uuid.UUID(request_id)
    customer = uuid.UUID(customer_id)
    try:
        async with asyncio.timeout(ERASE_TIMEOUT_S):
            while True:
                async with engines["retention"].connect() as connection:
                    rows = await connection.execute(REPORTED, {"c": cause})
                    reported = {row[0] for row in rows}
                if reported >= REPORTING:
                    clear_name = await _scalar(
                        engines["intake"],
                        "SELECT count(*) FROM customers WHERE customer_id = :c AND first_name IS NOT NULL",
                        c=customer,
                    )
                    clear_email = await _scalar(
                        engines["documents"],
                        "SELECT count(*) FROM customer_contacts WHERE customer_id = :c AND email IS NOT NULL",
                        c=customer,
                    )
                    if not clear_name and not clear_email:
                        return True
                await asyncio.sleep(0.005)
    except TimeoutError:
        return False


async def run(ctx: Context) -> list[Result]:
    if not ctx.kafka_bootstrap:
        ctx.note("erasure: no Kafka broker, skipped")
        return []
    from events.db import create_engine

    os.environ.setdefault("GUICHET_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    tag = uuid.uuid4().hex[:8]
    names = ("retention", "intake", "documents", "approvals", "sla-clock")
    urls = {name: await ctx.database(f"bench_erasure_{name.replace('-', '_')}_{tag}") for name in names}
    keys_url = await ctx.database(f"bench_erasure_keys_{tag}")
    previous_keys = os.environ.get("GUICHET_KEYS_DATABASE_URL")
    os.environ["GUICHET_KEYS_DATABASE_URL"] = keys_url
    subjects = scaled(8, minimum=3)
    desk = _bearer("alice", "agent", "manager", level=2)
    dpo = _bearer("dpo-1", "dpo")
    latencies: list[float] = []
    calls: list[float] = []
    failures = 0
    affected = ""
    engines = {name: create_engine(url) for name, url in urls.items()}
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            services = Services(urls, ctx.kafka_bootstrap, Path(data_dir))
            try:
                services.start()
                retention = services.clients["retention"]
                seeded = [seed(services, desk, n) for n in range(subjects)]
                for customer_id, _ in seeded:
                    await wait_seeded(engines, customer_id)
                await asyncio.sleep(1.0)  # the seeding's last events consumed everywhere
                for customer_id, _ in seeded:
                    body = {
                        "kind": "erasure",
                        "identity": {"name": "Jeanne Martin"},
                        "customer_id": customer_id,
                    }
                    created = retention.post("/subject-requests", json=body, headers=dpo)
                    assert created.status_code == 201, created.text
                    request_id = created.json()["request_id"]
                    verified = retention.post(
                        f"/subject-requests/{request_id}/identity-verified",
                        json={"method": "ID card"},
                        headers=dpo,
                    )
                    assert verified.status_code == 200, verified.text
                    began = time.perf_counter()
                    erased = retention.post(f"/subject-requests/{request_id}/erase", headers=dpo)
                    assert erased.status_code == 200, erased.text
                    calls.append((time.perf_counter() - began) * 1000)
                    if await wait_erased(engines, request_id, customer_id):
                        latencies.append((time.perf_counter() - began) * 1000)
                    else:
                        failures += 1
                async with engines["retention"].connect() as connection:
                    affected = ", ".join(
                        f"{name} {count}" for name, count in await connection.execute(AFFECTED)
                    )
            finally:
                services.stop()
    finally:
        for engine in engines.values():
            await engine.dispose()
        if previous_keys is None:
            os.environ.pop("GUICHET_KEYS_DATABASE_URL", None)
        else:
            os.environ["GUICHET_KEYS_DATABASE_URL"] = previous_keys
    if failures:
        ctx.note(
            f"erasure: {failures} of {subjects} erasures not visible everywhere after {ERASE_TIMEOUT_S:.0f} s"
        )
    if not latencies:
        return []
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    return [
        Result(
            "erasure: subject with 1,000 events, erase call to blank and reported everywhere, p99",
            p99 if not failures else ERASE_TIMEOUT_S * 1000,
            unit="ms",
            target=TARGET_MS,
            count=len(latencies),
            detail=f"p50 {p50:.0f} ms, max {max(latencies):.0f} ms (of which the erase call: p50 "
            f"{_percentile(calls, 0.5):.0f} ms), {subjects} subjects one after the other, "
            f"5 services in one process, Kafka between them; events made unreadable: {affected}; "
            f"each (ms): {', '.join(f'{value:.0f}' for value in latencies)}",
            group=GROUP,
            lower_is_better=True,
        )
    ]
