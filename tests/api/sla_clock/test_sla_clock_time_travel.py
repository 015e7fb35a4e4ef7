"""Deadlines as of a past instant ("why was it breached?"): recomputed from the facts the SLA
clock had recorded by then, under the rules in force then; for the auditor and the dpo."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sla_harness import T0, FakeClock, Harness, bearer

from events.catalogue import intake as ev
from events.service.auth import ROLES

AUDITOR = bearer(1, "auditor")


def as_of(
    h: Harness,
    request_id: object,
    instant: datetime,
    headers: dict[str, str] = AUDITOR,
    history: bool = False,
) -> Any:
    params = {"as_of": instant.isoformat(), "history": str(history).lower()}
    return h.client.get(f"/requests/{request_id}/deadlines", params=params, headers=headers)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def on_the_test_clock(h: Harness) -> None:
    """Intake's events and the SLA events recorded at the test's instants."""
    h.intake.clock = h.clock
    h.runtime.store.clock = h.clock


def thresholds(body: dict[str, Any], kind: str) -> dict[str, str]:
    (deadline,) = [d for d in body["deadlines"] if d["kind"] == kind]
    return {t["threshold"]: t["state"] for t in deadline["thresholds"]}


def test_an_auditor_sees_each_deadline_as_the_sla_clock_had_it_and_why_it_was_breached(tmp_path):
    rid = uuid4()
    shown: list[tuple[datetime, dict[str, Any]]] = []
    with Harness(tmp_path, FakeClock()) as h:
        on_the_test_clock(h)

        def look() -> None:
            shown.append((h.clock.now, h.get(f"/requests/{rid}/deadlines", history="true")))

        h.send(rid, ev.RequestReceived(request_id=rid, reference="R-AUDIT", channel="chat", received_at=T0))
        look()
        (first,) = [d for d in shown[0][1]["deadlines"] if d["kind"] == "first_response"]
        for threshold in first["thresholds"]:  # the warning, then the breach, each at its instant
            h.clock.now = datetime.fromisoformat(threshold["fire_at"])
            assert h.fire() >= 1
            look()
        h.clock.advance(minutes=5)
        h.send(rid, ev.RequestAcknowledged(request_id=rid, at=h.clock.now))
        look()
        h.clock.advance(hours=2)
        h.send(rid, ev.RequestResolved(request_id=rid, resolution="fait", at=h.clock.now))
        look()

        assert [thresholds(body, "first_response") for _, body in shown[:3]] == [
            {"warning": "armed", "breach": "armed"},
            {"warning": "fired", "breach": "armed"},
            {"warning": "fired", "breach": "fired"},
        ]
        for instant, body in shown:
            past = ok(as_of(h, rid, instant, history=True))
            assert past == body
        breached = ok(as_of(h, rid, shown[2][0]))
        (breach,) = [e for e in breached["events"] if e["type"].endswith("SlaBreached")]
        assert breach["data"]["kind"] == "first_response"
        (why,) = [d["computed"] for d in breached["deadlines"] if d["kind"] == "first_response"]
        assert why == first["computed"]
        before = ok(as_of(h, rid, shown[1][0] - timedelta(seconds=1)))
        assert thresholds(before, "first_response") == {"warning": "armed", "breach": "armed"}
        assert before["events"] == []


def test_before_the_sla_clock_knew_the_request_there_are_no_deadlines(tmp_path):
    rid = uuid4()
    with Harness(tmp_path, FakeClock()) as h:
        on_the_test_clock(h)
        h.send(
            rid,
            ev.RequestReceived(
                request_id=rid, reference="R-LETTER", channel="letter", received_at=T0 - timedelta(days=3)
            ),
        )
        answer = as_of(h, rid, T0 - timedelta(days=1))  # received by then, but not yet recorded
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert ok(as_of(h, rid, T0))["deadlines"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_auditor_and_the_dpo_ask_for_deadlines_as_of_an_instant(tmp_path, role):
    rid = uuid4()
    with Harness(tmp_path, FakeClock()) as h:
        on_the_test_clock(h)
        h.send(rid, ev.RequestReceived(request_id=rid, reference="R-ROLE", channel="email", received_at=T0))
        for request_id in (rid, uuid4()):
            answer = as_of(h, request_id, T0, bearer(3, role))
            if role in ("auditor", "dpo"):
                assert answer.status_code == (200 if request_id == rid else 404), answer.text
            else:
                assert answer.status_code == 403, answer.text
                assert answer.json()["missing"] == "sla:time-travel"
        assert h.client.get(f"/requests/{rid}/deadlines", headers=bearer(1, role)).status_code == 200
        description = h.client.get("/openapi.json").json()["paths"]["/requests/{request_id}/deadlines"]["get"]
        assert "`as_of` also needs `sla:time-travel`: role auditor or dpo." in description["description"]


def test_each_deadlines_read_as_of_an_instant_is_in_the_access_log(tmp_path):
    rid = uuid4()
    with Harness(tmp_path, FakeClock()) as h:
        on_the_test_clock(h)
        h.send(rid, ev.RequestReceived(request_id=rid, reference="R-LOG", channel="email", received_at=T0))
        h.get(f"/requests/{rid}/deadlines")
        ok(as_of(h, rid, T0))
        logged = [
            e.data
            for e in h.call(h.runtime.store.read_all, 0, 10_000)
            if e.type == "retention.ArchiveAccessed"
        ]
    assert [(e["reader"], e["kind"], e["resource"]) for e in logged] == [
        ("manon", "deadlines_as_of", f"request/{rid}/deadlines?as_of={T0.isoformat()}")
    ]
