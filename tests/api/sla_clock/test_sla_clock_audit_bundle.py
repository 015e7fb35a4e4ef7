"""The SLA clock's audit bundle of one request: the request's SLA stream, verified offline with
its inclusion proofs, the read in the archive access log, for auditors and the DPO only; 404
for a request the clock never heard of; no customer bundle (the clock keeps no customer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from sla_harness import T0, FakeClock, Harness, bearer

from events.audit.bundle import Bundle
from events.audit.note import Signer
from events.audit.service import ServiceAudit
from events.audit.verify import verify_bundle
from events.catalogue import intake as ev
from events.catalogue.retention import ArchiveAccessed
from sla_clock.domain.streams import request_stream

AUDITED = {
    "audit_key": Signer.generate("guichet-sla-clock").text(),
    "audit_every_events": 1000,
    "audit_every_seconds": 0.001,
    "audit_poll_interval": 3600,
    "audit_verify_seconds": 3600,
}


def bundle_reads(h: Harness) -> list[ArchiveAccessed]:
    every = h.call(h.runtime.store.read_all, 0, 10_000)
    reads = [e.decode() for e in every if e.type == ArchiveAccessed.event_type]
    return [read for read in reads if isinstance(read, ArchiveAccessed) and read.kind == "audit_bundle"]


def test_a_requests_bundle_holds_its_sla_stream_and_verifies(tmp_path: Any) -> None:
    rid, other = uuid4(), uuid4()
    with Harness(tmp_path, FakeClock(), **AUDITED) as h:
        h.send(rid, ev.RequestReceived(request_id=rid, reference="R-1", channel="chat", received_at=T0))
        h.send(other, ev.RequestReceived(request_id=other, reference="R-2", channel="chat", received_at=T0))
        assert bundle_reads(h) == []
        quiet = h.client.get(f"/audit/bundle/request/{other}", headers=bearer(1, "auditor"))
        assert quiet.status_code == 200, quiet.text  # known, nothing fired yet: an empty bundle
        assert Bundle.parse(quiet.content.splitlines()).events == []
        h.clock.now = T0 + timedelta(days=30)
        assert h.fire() >= 1
        audit = h.runtime.state["audit"]
        assert isinstance(audit, ServiceAudit)
        h.call(audit.step)
        path = f"/audit/bundle/request/{rid}"
        for refused in (bearer(3, "agent", "manager", "supervisor"), bearer(1)):
            assert h.client.get(path, headers=refused).status_code == 403
        answer = h.client.get(path, headers=bearer(1, "auditor"))
        assert answer.status_code == 200, answer.text
        bundle = Bundle.parse(answer.content.splitlines())
        ours = [str(e.id) for e in h.call(h.runtime.store.read_stream, request_stream(rid))]
        assert ours and [event["id"] for event in bundle.events] == ours
        report = verify_bundle(bundle)
        assert report.ok and report.scope == f"streams {request_stream(rid)}", report.lines()
        assert [(r.reader, r.customer_id, r.resource) for r in bundle_reads(h)] == [
            ("manon", None, f"audit/bundle/request/{other}"),
            ("manon", None, f"audit/bundle/request/{rid}"),
        ]
        unknown = h.client.get(f"/audit/bundle/request/{uuid4()}", headers=bearer(1, "dpo"))
        assert unknown.status_code == 404 and unknown.json()["title"] == "No such request"
        assert h.client.get(f"/audit/bundle/customer/{uuid4()}", headers=bearer(1, "dpo")).status_code == 404
        paths = h.client.get("/openapi.json").json()["paths"]
        assert "/audit/bundle/request/{request_id}" in paths
        assert "/audit/bundle/customer/{customer_id}" not in paths
        assert len(bundle_reads(h)) == 2
