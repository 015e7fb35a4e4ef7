"""The audit log in a running service (intake on SQLite): checkpoints signed and recorded as
events, proofs from the API that verify against the signed roots, the bundle the offline
verifier accepts, the roles that may read them, and the alarm when a stored byte changes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY as METRICS
from sqlalchemy import select, text

from events.audit.bundle import Bundle
from events.audit.merkle import verify_consistency, verify_inclusion
from events.audit.note import Checkpoint, Signer, open_note
from events.audit.service import ServiceAudit, log_stream_id
from events.audit.verify import CHANGED, verify_bundle
from events.catalogue.audit import CheckpointSigned, IntegrityAlarmRaised
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.runtime import ServiceRuntime
from events.service.settings import ServiceSettings
from events.tables import events as events_table
from intake.service import DEFINITION

KEY = Signer.generate("guichet-intake")
ORIGIN = "guichet/intake"


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


def audit_of(client: TestClient) -> ServiceAudit:
    audit = client.app.state.runtime.state["audit"]  # type: ignore[attr-defined]
    assert isinstance(audit, ServiceAudit)
    return audit


def step(client: TestClient) -> None:
    assert client.portal is not None
    client.portal.call(audit_of(client).step)


def new_request(client: TestClient) -> dict[str, Any]:
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
    return dict(response.json())


def stored_events(client: TestClient) -> list[Any]:
    assert client.portal is not None
    store = client.app.state.runtime.store  # type: ignore[attr-defined]

    async def every() -> list[Any]:
        return [envelope for page in [await store.read_all(0, 10_000)] for envelope in page]

    return list(client.portal.call(every))


def test_checkpoints_are_signed_recorded_as_events_and_served(client: TestClient) -> None:
    new_request(client)
    new_request(client)
    step(client)
    answer = client.get("/audit/checkpoints", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["origin"] == ORIGIN and body["log_key"] == KEY.verifier().text()
    latest = body["latest"]
    checkpoint = Checkpoint.parse(open_note(latest["note"], [KEY.verifier()]).text)
    assert checkpoint.size == latest["size"] == len(stored_events(client)) - 1  # its own event is after
    signed = [e for e in stored_events(client) if e.type == CheckpointSigned.event_type]
    assert signed[-1].stream_id == log_stream_id(ORIGIN)
    event = signed[-1].decode()
    assert isinstance(event, CheckpointSigned)
    assert (event.size, event.note) == (latest["size"], latest["note"])


def test_a_quiet_log_signs_nothing_more_for_its_own_checkpoint_events(client: TestClient) -> None:
    new_request(client)
    step(client)
    sizes = [c["size"] for c in client.get("/audit/checkpoints", headers=AUDITOR).json()["checkpoints"]]
    step(client)
    step(client)
    again = [c["size"] for c in client.get("/audit/checkpoints", headers=AUDITOR).json()["checkpoints"]]
    assert again == sizes
    new_request(client)
    step(client)
    latest = client.get("/audit/checkpoints", headers=AUDITOR).json()["latest"]["size"]
    assert latest > sizes[-1]


def test_inclusion_and_consistency_proofs_verify_against_the_signed_roots(client: TestClient) -> None:
    first = new_request(client)
    step(client)
    new_request(client)
    step(client)
    checkpoints = client.get("/audit/checkpoints", headers=DPO).json()["checkpoints"]
    old, new = checkpoints[0], checkpoints[-1]
    event_id = next(e.id for e in stored_events(client) if e.stream_id == UUID(first["request_id"]))
    proof = client.get(
        "/audit/proofs/inclusion",
        params={"event_id": str(event_id), "tree_size": old["size"]},
        headers=AUDITOR,
    ).json()
    root = Checkpoint.parse(open_note(proof["checkpoint"], [KEY.verifier()]).text).root
    hashes = [base64.b64decode(h) for h in proof["hashes"]]
    leaf = base64.b64decode(proof["leaf_hash"])
    assert verify_inclusion(leaf, proof["leaf_index"], old["size"], hashes, root)
    assert not verify_inclusion(leaf, proof["leaf_index"] + 1, old["size"], hashes, root)
    answer = client.get(
        "/audit/proofs/consistency", params={"from": old["size"], "to": new["size"]}, headers=AUDITOR
    ).json()
    consistency = [base64.b64decode(h) for h in answer["hashes"]]
    old_root, new_root = base64.b64decode(old["root"]), base64.b64decode(new["root"])
    assert new["size"] > old["size"]
    assert verify_consistency(old["size"], new["size"], old_root, new_root, consistency)
    missing = client.get("/audit/proofs/consistency", params={"from": 1, "to": new["size"]}, headers=AUDITOR)
    assert missing.status_code == 404 or old["size"] == 1


def test_the_bundle_verifies_offline(client: TestClient) -> None:
    new_request(client)
    step(client)
    answer = client.get("/audit/bundle", headers=AUDITOR)
    assert answer.status_code == 200
    report = verify_bundle(Bundle.parse(answer.content.splitlines()))
    assert report.ok, report.lines()
    assert report.events == len(stored_events(client))


@pytest.mark.parametrize("path", ["/audit/checkpoints", "/audit/bundle"])
def test_only_auditors_and_the_dpo_read_the_audit_log(client: TestClient, path: str) -> None:
    assert client.get(path, headers=AGENT).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get(path, headers=AUDITOR).status_code == 200


def test_a_changed_byte_in_a_stored_event_raises_the_alarm_naming_it(client: TestClient) -> None:
    request = new_request(client)
    step(client)
    assert client.portal is not None
    audit = audit_of(client)
    first = client.portal.call(audit.verify)
    assert first is not None and first.ok
    target = next(e for e in stored_events(client) if e.stream_id == UUID(request["request_id"]))
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]

    async def tamper() -> None:
        async with engine.begin() as connection:
            where = events_table.c.event_id == target.id
            data = (await connection.execute(select(events_table.c.data).where(where))).scalar_one()
            raw = data if isinstance(data, str) else json.dumps(data)
            changed = raw.replace("billing", "bimling", 1)
            assert changed != raw
            await connection.execute(text("DROP TRIGGER events_no_update"))
            await connection.execute(text("DROP TRIGGER events_no_delete"))
            await connection.execute(events_table.update().where(where).values(data=json.loads(changed)))

    client.portal.call(tamper)
    report = client.portal.call(audit.verify)
    assert report is not None
    assert [(f.kind, f.event_id) for f in report.findings] == [(CHANGED, str(target.id))]
    assert audit.alarm.raised and audit.alarm.event_ids == [str(target.id)]
    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["audit"] == "integrity alarm"
    assert str(target.id) not in readiness.text  # no details for unauthenticated callers
    assert METRICS.get_sample_value("guichet_audit_integrity_alarm", {"origin": ORIGIN}) == 1
    alarms = [e.decode() for e in stored_events(client) if e.type == IntegrityAlarmRaised.event_type]
    assert len(alarms) == 1
    assert isinstance(alarms[0], IntegrityAlarmRaised) and alarms[0].event_ids == [str(target.id)]
    client.portal.call(audit.verify)
    assert len([e for e in stored_events(client) if e.type == IntegrityAlarmRaised.event_type]) == 1


def timeline_integrity(client: TestClient, request: dict[str, Any]) -> list[str | None]:
    answer = client.get(f"/requests/{request['request_id']}/timeline", headers=bearer("agent"))
    assert answer.status_code == 200, answer.text
    return [entry["integrity"] for entry in answer.json()["entries"]]


def test_the_timeline_shows_each_events_integrity(client: TestClient) -> None:
    signed = new_request(client)
    step(client)
    newer = new_request(client)
    assert set(timeline_integrity(client, signed)) == {"verified"}
    assert set(timeline_integrity(client, newer)) == {"pending"}
    step(client)
    assert set(timeline_integrity(client, newer)) == {"verified"}
    target = next(e for e in stored_events(client) if e.stream_id == UUID(signed["request_id"]))
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]

    async def tamper() -> None:
        async with engine.begin() as connection:
            where = events_table.c.event_id == target.id
            await connection.execute(text("DROP TRIGGER events_no_update"))
            await connection.execute(
                events_table.update().where(where).values(recorded_at=target.recorded_at.replace(year=2020))
            )

    assert client.portal is not None
    client.portal.call(tamper)
    assert timeline_integrity(client, signed) == ["tampered"]  # recorded_at is in the leaf


def test_the_timeline_has_no_integrity_without_an_audit_log(tmp_path: Path) -> None:
    with TestClient(
        create_service_app(DEFINITION, ServiceSettings(service="intake", data_dir=tmp_path))
    ) as plain:
        assert plain.portal is not None
        runtime: ServiceRuntime = plain.app.state.runtime  # type: ignore[attr-defined]
        plain.portal.call(runtime.ready.wait)
        assert set(timeline_integrity(plain, new_request(plain))) == {None}
        assert plain.get("/audit/checkpoints", headers=AUDITOR).status_code == 404


def test_rewritten_tiles_raise_the_alarm_when_the_log_is_read_again(client: TestClient) -> None:
    new_request(client)
    step(client)
    assert client.portal is not None
    audit = audit_of(client)
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]

    async def rewrite_tiles() -> None:
        async with engine.begin() as connection:
            hashes = (
                await connection.execute(text("SELECT hashes FROM audit_tiles WHERE level = 0"))
            ).scalar_one()
            forged = bytes([hashes[0] ^ 1]) + bytes(hashes[1:])
            await connection.execute(
                text("UPDATE audit_tiles SET hashes = :h WHERE level = 0"), {"h": forged}
            )

    client.portal.call(rewrite_tiles)
    client.portal.call(audit.reload)
    assert client.portal.call(audit.verify) is None
    assert audit.alarm.raised and "stored tree" in audit.alarm.reason
    assert client.get("/readyz").json()["checks"]["audit"] == "integrity alarm"
    alarms = [e.decode() for e in stored_events(client) if e.type == IntegrityAlarmRaised.event_type]
    assert [a.reason for a in alarms] == [audit.alarm.reason]
