"""Bundles asked by request and by customer from intake (on SQLite): exactly the streams intake
keeps for them, verified offline (``python -m events.audit verify``), each read recorded in the
archive access log with the request or the customer, for auditors and the DPO only; 404 for an
unknown request or customer; not exposed by a service that declares no resolver."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from events.audit.bundle import STREAMS, Bundle
from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.audit.verify import verify_bundle
from events.catalogue.retention import ArchiveAccessed
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.runtime import ServiceRuntime
from events.service.settings import ServiceSettings
from intake.service import DEFINITION
from retention.service import DEFINITION as RETENTION

KEY = Signer.generate("guichet-intake")


def bearer(*roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('audrey', roles=roles, team='front_office', level=1)}"}


AUDITOR, DPO, DESK = bearer("auditor"), bearer("dpo"), bearer("agent", "manager", "supervisor")


def settings(tmp_path: Path, service: str = "intake") -> ServiceSettings:
    return ServiceSettings(
        service=service,
        data_dir=tmp_path,
        audit_key=KEY.text(),
        audit_every_events=1000,
        audit_every_seconds=0.001,
        audit_poll_interval=3600,
        audit_verify_seconds=3600,
        log_json=False,
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_service_app(DEFINITION, settings(tmp_path))) as started:
        assert started.portal is not None
        runtime: ServiceRuntime = started.app.state.runtime  # type: ignore[attr-defined]
        started.portal.call(runtime.ready.wait)
        yield started


def step(client: TestClient) -> None:
    audit = client.app.state.runtime.state["audit"]  # type: ignore[attr-defined]
    assert isinstance(audit, ServiceAudit) and client.portal is not None
    client.portal.call(audit.step)


def new_customer(client: TestClient, **fields: Any) -> UUID:
    body = {"profile": "b2c", "first_name": "Éloïse", "last_name": "Dupont", "email": "e.dupont@exemple.fr"}
    response = client.post("/customers", json=body | fields, headers=DESK)
    assert response.status_code == 201, response.text
    return UUID(response.json()["customer_id"])


def new_request(client: TestClient, customer_id: UUID | None = None) -> UUID:
    body = {
        "channel": "email",
        "received_at": "2026-03-02T08:00:00+00:00",
        "contact": "jean.martin@exemple.fr",
        "subject": "Facture erronée",
        "description": "Montant facturé deux fois",
        "category": "billing",
        "customer_id": str(customer_id) if customer_id else None,
    }
    response = client.post("/requests", json=body, headers=DESK)
    assert response.status_code == 201, response.text
    return UUID(response.json()["request_id"])


def merge(client: TestClient, merged: UUID, survivor: UUID) -> None:
    response = client.post(
        f"/customers/{merged}/merge",
        headers=DESK | {"If-Match": '"1"'},
        json={"survivor_id": str(survivor), "reason": "même personne"},
    )
    assert response.status_code == 200, response.text


def stored(client: TestClient) -> list[Any]:
    assert client.portal is not None
    store = client.app.state.runtime.store  # type: ignore[attr-defined]

    async def every() -> list[Any]:
        return list(await store.read_all(0, 10_000))

    return list(client.portal.call(every))


def ids_of(client: TestClient, streams: set[UUID]) -> list[str]:
    """The stored events of ``streams``, in the log's order."""
    return [str(e.id) for e in stored(client) if e.stream_id in streams]


def bundle_reads(client: TestClient) -> list[ArchiveAccessed]:
    reads = [e.decode() for e in stored(client) if e.type == ArchiveAccessed.event_type]
    return [read for read in reads if isinstance(read, ArchiveAccessed) and read.kind == "audit_bundle"]


def verify_offline(tmp_path: Path, content: bytes) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.ndjson"
    path.write_bytes(content)
    return subprocess.run(
        [sys.executable, "-m", "events.audit", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_requests_bundle_holds_exactly_its_stream_and_verifies_offline(
    client: TestClient, tmp_path: Path
) -> None:
    customer = new_customer(client)
    request_id, other = new_request(client, customer), new_request(client, customer)
    interaction = client.post(
        f"/requests/{request_id}/interactions",
        json={
            "channel": "phone",
            "direction": "inbound",
            "subject": "Rappel",
            "summary": "Le client rappelle",
        },
        headers=DESK | {"If-Match": '"1"'},
    )
    assert interaction.status_code == 200, interaction.text
    step(client)
    answer = client.get(f"/audit/bundle/request/{request_id}", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    bundle = Bundle.parse(answer.content.splitlines())
    assert bundle.scope is not None and bundle.scope.kind == STREAMS
    ours = ids_of(client, {request_id})
    assert len(ours) == 2
    assert [event["id"] for event in bundle.events] == ours
    assert [record.event_id for record in bundle.inclusions] == ours
    assert str(other) not in answer.text and str(customer) not in {e["stream_id"] for e in bundle.events}
    report = verify_bundle(bundle)
    assert report.ok and report.scope == f"streams {request_id}", report.lines()
    offline = verify_offline(tmp_path, answer.content)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    [read] = bundle_reads(client)
    assert (read.reader, read.customer_id, read.resource) == (
        "audrey",
        customer,
        f"audit/bundle/request/{request_id}",
    )


def test_a_customers_bundle_holds_their_records_merged_ones_and_all_their_requests(
    client: TestClient, tmp_path: Path
) -> None:
    customer = new_customer(client)
    absorbed = new_customer(client, first_name="Paul", last_name="Durand", email="p.durand@exemple.fr")
    stranger = new_customer(client, first_name="Anne", last_name="Roy", email="a.roy@exemple.fr")
    own, absorbeds = new_request(client, customer), new_request(client, absorbed)
    strangers, anonymous = new_request(client, stranger), new_request(client)
    merge(client, absorbed, customer)
    step(client)
    answer = client.get(f"/audit/bundle/customer/{customer}", headers=DPO)
    assert answer.status_code == 200, answer.text
    bundle = Bundle.parse(answer.content.splitlines())
    assert bundle.scope is not None
    assert bundle.scope.streams == tuple(str(s) for s in (customer, absorbed, own, absorbeds))
    assert [event["id"] for event in bundle.events] == ids_of(client, {customer, absorbed, own, absorbeds})
    assert not {str(stranger), str(strangers), str(anonymous)} & {e["stream_id"] for e in bundle.events}
    report = verify_bundle(bundle)
    assert report.ok, report.lines()
    offline = verify_offline(tmp_path, answer.content)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    [read] = bundle_reads(client)
    assert (read.reader, read.customer_id, read.resource) == (
        "audrey",
        customer,
        f"audit/bundle/customer/{customer}",
    )


@pytest.mark.parametrize("kind", ["request", "customer"])
def test_an_unknown_request_or_customer_is_a_404_and_no_read_is_logged(client: TestClient, kind: str) -> None:
    answer = client.get(f"/audit/bundle/{kind}/{uuid4()}", headers=AUDITOR)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == f"No such {kind}"
    assert bundle_reads(client) == []


@pytest.mark.parametrize("kind", ["request", "customer"])
def test_only_auditors_and_the_dpo_get_them(client: TestClient, kind: str) -> None:
    customer = new_customer(client)
    request_id = new_request(client, customer)
    path = f"/audit/bundle/{kind}/{request_id if kind == 'request' else customer}"
    assert client.get(path).status_code == 401
    for refused in (DESK, bearer("agent"), bearer("supervisor")):
        answer = client.get(path, headers=refused)
        assert answer.status_code == 403, answer.text
    assert bundle_reads(client) == []
    assert client.get(path, headers=AUDITOR).status_code == 200
    assert client.get(path, headers=DPO).status_code == 200
    assert len(bundle_reads(client)) == 2


def test_the_openapi_document_lists_them_with_their_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/audit/bundle/request/{request_id}", "/audit/bundle/customer/{customer_id}"):
        responses = paths[path]["get"]["responses"]
        assert {"200", "401", "403", "404"} <= set(responses)
        assert "application/x-ndjson" in responses["200"]["content"]


def test_a_service_that_declares_no_resolver_does_not_expose_them(tmp_path: Path) -> None:
    with TestClient(create_service_app(RETENTION, settings(tmp_path, "retention"))) as started:
        paths = started.get("/openapi.json").json()["paths"]
        assert "/audit/bundle/streams" in paths
        assert not [
            path for path in paths if path.startswith(("/audit/bundle/request", "/audit/bundle/customer"))
        ]
        assert started.get(f"/audit/bundle/request/{uuid4()}", headers=AUDITOR).status_code == 404
