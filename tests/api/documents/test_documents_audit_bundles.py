"""The documents service's audit bundles by request and by customer: the streams of their
documents, verified with their inclusion proofs, each read in the archive access log, for
auditors and the DPO only; 404 for a request or customer it holds no document of."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from uuid import UUID, uuid4

import pytest
from documents_desk import Desk, FixedClock, bearer
from fastapi.testclient import TestClient

from documents.service import DEFINITION
from events.audit.bundle import Bundle
from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.audit.verify import verify_bundle
from events.catalogue.retention import ArchiveAccessed
from events.service.app import create_service_app
from events.service.settings import ServiceSettings

AUDITOR, DPO = bearer("audrey", ("auditor",)), bearer("audrey", ("dpo",))


@pytest.fixture
def client(tmp_path: Any, wait_ready: Any) -> Iterator[TestClient]:
    settings = ServiceSettings(
        service="documents",
        data_dir=tmp_path,
        log_json=False,
        audit_key=Signer.generate("guichet-documents").text(),
        audit_every_events=1000,
        audit_every_seconds=0.001,
        audit_poll_interval=3600,
        audit_verify_seconds=3600,
    )
    definition = replace(DEFINITION, extra={"clock": FixedClock(), "mail_worker": False})
    with TestClient(create_service_app(definition, settings)) as started:
        wait_ready(started)
        yield started


def stored(client: TestClient) -> list[Any]:
    assert client.portal is not None
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    return list(client.portal.call(store.read_all, 0, 10_000))


def bundle_reads(client: TestClient) -> list[tuple[str, UUID | None, str]]:
    reads = [e.decode() for e in stored(client) if e.type == ArchiveAccessed.event_type]
    return [
        (read.reader, read.customer_id, read.resource)
        for read in reads
        if isinstance(read, ArchiveAccessed) and read.kind == "audit_bundle"
    ]


def verified_events(client: TestClient, path: str) -> list[str]:
    answer = client.get(path, headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    bundle = Bundle.parse(answer.content.splitlines())
    report = verify_bundle(bundle)
    assert report.ok, report.lines()
    return [event["id"] for event in bundle.events]


def test_the_bundles_of_a_request_and_a_customer_hold_their_documents_streams(client: TestClient) -> None:
    desk = Desk(client)
    customer, request_id = uuid4(), uuid4()
    first = desk.draft(customer_id=str(customer), request_id=str(request_id))
    second = desk.draft(customer_id=str(customer), request_id=str(uuid4()))
    desk.draft()  # another customer's
    audit = client.app.state.runtime.state["audit"]  # type: ignore[attr-defined]
    assert isinstance(audit, ServiceAudit) and client.portal is not None
    client.portal.call(audit.step)

    def events_of(*documents: dict[str, Any]) -> list[str]:
        streams = {UUID(document["document_id"]) for document in documents}
        return [str(e.id) for e in stored(client) if e.stream_id in streams]

    assert verified_events(client, f"/audit/bundle/request/{request_id}") == events_of(first)
    assert verified_events(client, f"/audit/bundle/customer/{customer}") == events_of(first, second)
    assert bundle_reads(client) == [
        ("audrey", customer, f"audit/bundle/request/{request_id}"),
        ("audrey", customer, f"audit/bundle/customer/{customer}"),
    ]


@pytest.mark.parametrize("kind", ["request", "customer"])
def test_only_auditors_and_the_dpo_and_404_for_what_it_holds_no_document_of(
    client: TestClient, kind: str
) -> None:
    document = Desk(client).draft()
    path = f"/audit/bundle/{kind}/{document[f'{kind}_id']}"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=bearer("maud", ("manager", "agent", "supervisor"), 3)).status_code == 403
    assert client.get(path, headers=DPO).status_code == 200
    unknown = client.get(f"/audit/bundle/{kind}/{uuid4()}", headers=AUDITOR)
    assert unknown.status_code == 404 and unknown.json()["title"] == f"No such {kind}"
    assert len(bundle_reads(client)) == 1
