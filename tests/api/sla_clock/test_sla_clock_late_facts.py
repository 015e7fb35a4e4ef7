"""A missed deadline is recorded whatever the timing (docs/domain.md §6.5): intake's events and
the embedded sla-clock, the reception and a late acknowledgement handled in one poll."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).parent))

from sla_harness import T0, FakeClock, Harness, bearer

from events.catalogue import intake as ev


def breaches(events: list[tuple[str, dict[str, object]]]) -> list[dict[str, object]]:
    return [data for name, data in events if name == "SlaBreached" and data["kind"] == "first_response"]


def test_a_backdated_chat_acknowledged_in_the_same_poll_records_its_first_response_breach(tmp_path):
    clock = FakeClock()
    rid = uuid4()
    received = ev.RequestReceived(
        request_id=rid, reference="R-LATE", channel="chat", received_at=T0 - timedelta(days=20)
    )
    with Harness(tmp_path, clock) as h:
        h.send(rid, received, ev.RequestAcknowledged(request_id=rid, at=T0))  # one poll
        h.clock.advance(seconds=1)
        h.fire()
        (breach,) = breaches(h.sla_events(rid))
        due = datetime.fromisoformat(str(breach["due_at"]))
        assert datetime.fromisoformat(str(breach["actual_at"])) == T0
        assert breach["late_by_seconds"] == (T0 - due).total_seconds() > 17 * 86400
        deadlines = h.get(f"/requests/{rid}/deadlines")["deadlines"]
        (first,) = [d for d in deadlines if d["kind"] == "first_response"]
        assert first["status"] == "done"
        thresholds = {t["threshold"]: t for t in first["thresholds"]}
        assert thresholds["breach"]["state"] == "fired" and thresholds["breach"]["emitted_at"] is not None
        assert thresholds["warning"]["state"] == "fired" and thresholds["warning"]["emitted_at"] is not None
        h.send(rid, ev.RequestAcknowledged(request_id=rid, at=T0 + timedelta(minutes=1)))
        logged = h.sla_events(rid)
    clock.advance(hours=1)
    with Harness(tmp_path, clock, scheduler=True) as h:  # a restart emits nothing again
        h.call(h.scheduler.caught_up.wait)
        assert h.sla_events(rid) == logged
        assert len(breaches(logged)) == 1


def test_a_breach_proved_by_the_facts_but_not_yet_fired_survives_a_rebuild_once(tmp_path):
    rid = uuid4()
    received = ev.RequestReceived(
        request_id=rid, reference="R-REBUILT", channel="chat", received_at=T0 - timedelta(days=20)
    )
    with Harness(tmp_path) as h:
        h.send(rid, received, ev.RequestAcknowledged(request_id=rid, at=T0))
        response = h.client.post("/projections/rebuild", headers=bearer(1, "ops"))
        assert response.status_code == 202
        deadline = time.monotonic() + 15
        while h.get("/scheduler")["paused"] or not h.get(f"/requests/{rid}/deadlines")["deadlines"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        h.wait_consumed()
        h.clock.advance(seconds=1)
        h.fire()
        assert len(breaches(h.sla_events(rid))) == 1
        h.clock.advance(seconds=1)
        assert h.fire() == 0
