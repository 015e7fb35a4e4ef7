"""Scoped bundles from a running service (intake on SQLite): the bundle of some streams (a
request's) and of a period, each verified offline with its inclusion proofs, each read
recorded in the archive access log, for auditors and the DPO only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from events.audit.bundle import PERIOD, STREAMS, Bundle
from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.audit.verify import CHANGED, Report, verify_bundle
from events.catalogue.retention import ArchiveAccessed
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.runtime import ServiceRuntime
from events.service.settings import ServiceSettings
from events.tables import events as events_table
from intake.service import DEFINITION

KEY = Signer.generate("guichet-intake")


def bearer(*roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('audrey', roles=roles, team='front_office', level=1)}"}


AUDITOR, DPO, AGENT = bearer("auditor"), bearer("dpo"), bearer("agent", "manager")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(
        service="intake",
        data_dir=tmp_path,
        audit_key=KEY.text(),
        audit_every_events=1000,
        audit_every_seconds=0.001,
        audit_poll_interval=3600,
        audit_verify_seconds=3600,
    )
    with TestClient(create_service_app(DEFINITION, settings)) as started:
        assert started.portal is not None
        runtime: ServiceRuntime = started.app.state.runtime  # type: ignore[attr-defined]
        started.portal.call(runtime.ready.wait)
        yield started


def step(client: TestClient) -> None:
    audit = client.app.state.runtime.state["audit"]  # type: ignore[attr-defined]
    assert isinstance(audit, ServiceAudit) and client.portal is not None
    client.portal.call(audit.step)


def new_request(client: TestClient) -> UUID:
    body = {
        "channel": "email",
        "received_at": "2026-03-02T08:00:00+00:00",
        "contact": "jean.martin@exemple.fr",
        "subject": "Facture erronée",
        "description": "Montant facturé deux fois",
        "category": "billing",
    }
    response = client.post("/requests", json=body, headers=bearer("agent"))
    assert response.status_code == 201, response.text
    return UUID(response.json()["request_id"])


def stored(client: TestClient) -> list[Any]:
    assert client.portal is not None
    store = client.app.state.runtime.store  # type: ignore[attr-defined]

    async def every() -> list[Any]:
        return list(await store.read_all(0, 10_000))

    return list(client.portal.call(every))


def verified(answer: Any) -> Report:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    return verify_bundle(Bundle.parse(answer.content.splitlines()))


def bundle_reads(client: TestClient) -> list[ArchiveAccessed]:
    reads = [e.decode() for e in stored(client) if e.type == ArchiveAccessed.event_type]
    return [read for read in reads if isinstance(read, ArchiveAccessed) and read.kind == "audit_bundle"]


def test_the_bundle_of_a_requests_stream_verifies_with_its_proofs(client: TestClient) -> None:
    request_id, other = new_request(client), new_request(client)
    step(client)
    customer = uuid4()
    answer = client.get(
        "/audit/bundle/streams",
        params={"stream": str(request_id), "customer_id": str(customer)},
        headers=AUDITOR,
    )
    report = verified(answer)
    assert report.ok, report.lines()
    bundle = Bundle.parse(answer.content.splitlines())
    assert bundle.scope is not None and bundle.scope.kind == STREAMS
    ours = [str(e.id) for e in stored(client) if e.stream_id == request_id]
    assert [event["id"] for event in bundle.events] == ours
    assert [record.event_id for record in bundle.inclusions] == ours
    assert str(other) not in answer.text
    assert report.cannot_prove and report.scope == f"streams {request_id}"
    [read] = bundle_reads(client)
    assert (read.reader, read.customer_id, read.resource) == (
        "audrey",
        customer,
        f"audit/bundle/streams?stream={request_id}",
    )


def test_events_after_the_last_checkpoint_come_without_proof(client: TestClient) -> None:
    new_request(client)
    step(client)
    newer = new_request(client)
    answer = client.get("/audit/bundle/streams", params={"stream": str(newer)}, headers=DPO)
    report = verified(answer)
    assert report.ok, report.lines()
    assert report.events == len([e for e in stored(client) if e.stream_id == newer]) >= 1
    assert report.unsigned_events == report.events
    assert Bundle.parse(answer.content.splitlines()).inclusions == []


def test_the_bundle_of_a_period_holds_every_leaf_of_its_range(client: TestClient) -> None:
    new_request(client)
    new_request(client)
    step(client)
    events = stored(client)
    since, until = events[0].recorded_at, events[-1].recorded_at
    answer = client.get(
        "/audit/bundle/period", params={"from": since.isoformat(), "to": until.isoformat()}, headers=AUDITOR
    )
    report = verified(answer)
    assert report.ok, report.lines()
    bundle = Bundle.parse(answer.content.splitlines())
    assert bundle.scope is not None and bundle.scope.kind == PERIOD and bundle.scope.leaves is not None
    first, last = bundle.scope.leaves
    assert first == 0 and report.events >= last + 1
    assert any("outside the period" in limit for limit in report.cannot_prove)
    [read] = bundle_reads(client)
    assert read.resource.startswith("audit/bundle/period?from=")
    wrong = client.get(
        "/audit/bundle/period", params={"from": until.isoformat(), "to": since.isoformat()}, headers=AUDITOR
    )
    assert wrong.status_code == 422


def test_a_changed_byte_in_a_stored_event_is_named_in_the_requests_bundle(client: TestClient) -> None:
    request_id = new_request(client)
    step(client)
    target = next(e for e in stored(client) if e.stream_id == request_id)
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]

    async def tamper() -> None:
        async with engine.begin() as connection:
            where = events_table.c.event_id == target.id
            data = (await connection.execute(select(events_table.c.data).where(where))).scalar_one()
            raw = data if isinstance(data, str) else json.dumps(data)
            await connection.execute(text("DROP TRIGGER events_no_update"))
            changed = json.loads(raw.replace("billing", "bimling", 1))
            await connection.execute(events_table.update().where(where).values(data=changed))

    assert client.portal is not None
    client.portal.call(tamper)
    report = verified(
        client.get("/audit/bundle/streams", params={"stream": str(request_id)}, headers=AUDITOR)
    )
    assert [(f.kind, f.event_id, f.position) for f in report.findings] == [
        (CHANGED, str(target.id), target.position)
    ]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/audit/bundle/streams", {"stream": str(uuid4())}),
        ("/audit/bundle/period", {"from": "2026-01-01", "to": "2027-01-01"}),
    ],
)
def test_only_auditors_and_the_dpo_export_scoped_bundles_and_each_read_is_logged(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    assert client.get(path, params=params, headers=AGENT).status_code == 403
    assert client.get(path, params=params).status_code == 401
    assert bundle_reads(client) == []
    assert client.get(path, params=params, headers=AUDITOR).status_code == 200
    assert client.get(path, params=params, headers=DPO).status_code == 200
    assert [read.roles for read in bundle_reads(client)] == [("auditor",), ("dpo",)]


def test_the_whole_logs_bundle_read_is_logged_too(client: TestClient) -> None:
    new_request(client)
    step(client)
    assert verified(client.get("/audit/bundle", headers=AUDITOR)).ok
    assert [read.resource for read in bundle_reads(client)] == ["audit/bundle"]
