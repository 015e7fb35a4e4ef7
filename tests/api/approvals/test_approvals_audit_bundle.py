"""The approvals service's audit bundle of a request: the streams of its approvals, verified
with their inclusion proofs, the read in the archive access log, for auditors and the DPO only;
404 for a request it holds no approval of; no customer bundle (approvals keep no customer)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from approvals_desk import AGENT, bearer, ready, submit
from fastapi.testclient import TestClient

from approvals.adapters.authorities import TokenAuthorities
from approvals.service import DEFINITION
from events.audit.bundle import Bundle
from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.audit.verify import verify_bundle
from events.catalogue.retention import ArchiveAccessed
from events.service.app import create_service_app
from events.service.settings import ServiceSettings

AUDITOR, DPO = bearer("audrey", "auditor"), bearer("audrey", "dpo")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(
        service="approvals",
        data_dir=tmp_path,
        log_json=False,
        audit_key=Signer.generate("guichet-approvals").text(),
        audit_every_events=1000,
        audit_every_seconds=0.001,
        audit_poll_interval=3600,
        audit_verify_seconds=3600,
    )
    definition = replace(DEFINITION, extra={"authorities": TokenAuthorities(), "deadline_worker": False})
    with TestClient(create_service_app(definition, settings)) as started:
        yield ready(started)


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


def test_a_requests_bundle_holds_its_approvals_streams(client: TestClient) -> None:
    request_id = uuid4()
    first = submit(client, request_id=str(request_id))
    second = submit(client, request_id=str(request_id), content_hash="ab" * 32)
    other = submit(client)
    assert {first.status_code, second.status_code, other.status_code} == {201}, first.text
    audit = client.app.state.runtime.state["audit"]  # type: ignore[attr-defined]
    assert isinstance(audit, ServiceAudit) and client.portal is not None
    client.portal.call(audit.step)
    path = f"/audit/bundle/request/{request_id}"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=AGENT).status_code == 403
    assert bundle_reads(client) == []
    answer = client.get(path, headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    bundle = Bundle.parse(answer.content.splitlines())
    streams = {UUID(first.json()["approval_id"]), UUID(second.json()["approval_id"])}
    ours = [str(e.id) for e in stored(client) if e.stream_id in streams]
    assert len(streams) == 2 and [event["id"] for event in bundle.events] == ours
    report = verify_bundle(bundle)
    assert report.ok, report.lines()
    assert bundle_reads(client) == [("audrey", None, f"audit/bundle/request/{request_id}")]
    unknown = client.get(f"/audit/bundle/request/{uuid4()}", headers=DPO)
    assert unknown.status_code == 404 and unknown.json()["title"] == "No such request"
    assert "/audit/bundle/customer/{customer_id}" not in client.get("/openapi.json").json()["paths"]
    assert len(bundle_reads(client)) == 1
