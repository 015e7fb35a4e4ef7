"""Collection relances on the embedded SLA clock: a request received with mandatory information
missing (flagged by intake, docs/domain.md §1.3) gets a ``RelanceDue`` of kind ``collection`` one
business day after reception, exactly once, unless the details are completed (or it is resolved)
first (docs/domain.md §8.3)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).parent))

from sla_harness import T0, FakeClock, Harness

from events.catalogue import intake as ev

DUE = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # T0 (Monday 10:00 Paris) + 1 business day


def received(missing=("subject", "description")):
    rid = uuid4()
    return rid, ev.RequestReceived(
        request_id=rid,
        reference=f"R-{rid.hex[:6]}",
        channel="email",
        received_at=T0,
        contact="a@example.org",
        missing_fields=missing,
    )


def relances(h, rid):
    """The collection relances due (a request still open past its resolution deadline also
    gets informative ones, and a resolved one validation ones: not this module's subject)."""
    return [data for name, data in h.sla_events(rid) if name == "RelanceDue" and data["kind"] == "collection"]


def test_a_flagged_request_gets_its_collection_relance_at_the_documented_time_exactly_once(tmp_path):
    with Harness(tmp_path) as h:
        rid, event = received()
        h.send(rid, event)
        h.clock.now = DUE - timedelta(seconds=1)
        h.fire()
        assert relances(h, rid) == []
        h.clock.now = DUE
        h.fire()
        h.clock.advance(days=1)
        h.fire()
        [relance] = relances(h, rid)
        assert relance["kind"] == "collection" and relance["ordinal"] == 1
        assert relance["missing_fields"] == ["subject", "description"]
        assert datetime.fromisoformat(relance["due_at"]) == DUE
        assert datetime.fromisoformat(relance["customer_due_at"]) == T0
        assert datetime.fromisoformat(relance["latest_at"]) == DUE + timedelta(days=1)
        body = h.get(f"/requests/{rid}/deadlines")
        [shown] = [d for d in body["deadlines"] if d["kind"] == "collection:1"]
        assert shown["status"] == "done" and shown["computed"]["basis"] == "business"
        assert shown["computed"]["missing_fields"] == ["subject", "description"]


def test_a_flagged_request_completed_before_the_relance_gets_none(tmp_path):
    with Harness(tmp_path) as h:
        rid, event = received()
        h.send(rid, event)
        h.clock.advance(hours=3)
        h.send(
            rid,
            ev.RequestDetailsCompleted(
                request_id=rid, subject="s", description="d", missing_fields=("description",), at=h.clock.now
            ),
        )
        active = [
            d
            for d in h.get(f"/requests/{rid}/deadlines")["deadlines"]
            if d["kind"] == "collection:1" and d["status"] == "active"
        ]
        assert active[0]["computed"]["missing_fields"] == ["description"]  # still one missing
        h.send(rid, ev.RequestDetailsCompleted(request_id=rid, subject="s", description="d", at=h.clock.now))
        h.clock.now = DUE + timedelta(days=12)
        h.fire()
        assert relances(h, rid) == []
        [shown] = [
            d
            for d in h.get(f"/requests/{rid}/deadlines", history="true")["deadlines"]
            if d["kind"] == "collection:1"
        ]
        assert shown["status"] == "superseded"


def test_a_flagged_request_resolved_before_the_relance_gets_none(tmp_path):
    with Harness(tmp_path) as h:
        rid, event = received()
        h.send(
            rid, event, ev.RequestResolved(request_id=rid, resolution="answered", at=T0 + timedelta(hours=1))
        )
        h.clock.now = DUE + timedelta(days=12)
        h.fire()
        assert relances(h, rid) == []


def test_a_complete_request_gets_no_collection_relance(tmp_path):
    with Harness(tmp_path) as h:
        rid, event = received(missing=())
        h.send(rid, event)
        h.clock.now = DUE + timedelta(days=12)
        h.fire()
        assert relances(h, rid) == []
        assert not [
            d for d in h.get(f"/requests/{rid}/deadlines")["deadlines"] if d["kind"].startswith("collection:")
        ]


def test_a_collection_relance_due_while_down_is_emitted_once_after_restarts(tmp_path):
    clock = FakeClock()
    rid, event = received()
    with Harness(tmp_path, clock) as h:
        h.send(rid, event)
    clock.now = DUE + timedelta(hours=2)
    for _ in range(2):
        with Harness(tmp_path, clock, scheduler=True) as h:
            h.call(h.scheduler.caught_up.wait)
            assert [r["kind"] for r in relances(h, rid)] == ["collection"]
