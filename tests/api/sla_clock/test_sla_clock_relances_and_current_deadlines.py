"""Issue 11 on the embedded SLA clock: a customer deadline already passed starts the relance
schedule from the real deadline and catches up; a relance recorded as an interaction counts, so
the second relance and the escalate-or-close arm; the deadlines endpoint shows the current
deadlines, the superseded ones on demand."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).parent))

from sla_harness import T0, Harness

from events.catalogue import intake as ev


def waiting_since_last_week(h: Harness) -> tuple[UUID, datetime]:
    """A letter received 10 days ago; what we asked by letter was due 7 days ago, recorded now."""
    rid = uuid4()
    h.send(
        rid,
        ev.RequestReceived(
            request_id=rid, reference="R-LETTER", channel="letter", received_at=T0 - timedelta(days=10)
        ),
        ev.RequestAcknowledged(request_id=rid, at=T0 - timedelta(days=9)),
        ev.AwaitingCustomer(request_id=rid, at=T0, expected="RIB", customer_due_at=T0 - timedelta(days=7)),
    )
    h.clock.advance(minutes=1)
    return rid, T0 - timedelta(days=7)


def relance_interaction(rid: UUID, at, **fields) -> ev.InteractionRecorded:
    return ev.InteractionRecorded(
        request_id=rid,
        interaction_id=uuid4(),
        channel="email",
        direction="outbound",
        subject="Suivi de votre demande n°R-LETTER",
        summary="Nous attendons votre RIB",
        occurred_at=at,
        **({"kind": "relance"} | fields),
    )


def due(h: Harness, rid: UUID) -> list[tuple[str, object]]:
    return [
        (name, data.get("ordinal"))
        for name, data in h.sla_events(rid)
        if name in ("RelanceDue", "EscalationDue")
    ]


def test_a_customer_deadline_already_passed_starts_the_relances_at_once_each_once(tmp_path):
    with Harness(tmp_path) as h:
        rid, customer_due = waiting_since_last_week(h)
        h.fire()
        h.clock.advance(minutes=1)
        h.fire()
        [(name, first)] = [(n, d) for n, d in h.sla_events(rid) if n == "RelanceDue"]
        assert first["ordinal"] == 1
        assert first["customer_due_at"].startswith((customer_due).isoformat()[:19])
        assert first["due_at"].startswith((customer_due + timedelta(hours=24)).isoformat()[:19])


def test_a_relance_recorded_as_an_interaction_arms_the_second_relance_and_the_escalation(tmp_path):
    with Harness(tmp_path) as h:
        rid, _ = waiting_since_last_week(h)
        h.fire()
        assert due(h, rid) == [("RelanceDue", 1)]
        first_sent = T0 + timedelta(hours=1)
        h.send(rid, relance_interaction(rid, first_sent))
        h.clock.now = first_sent + timedelta(days=3)
        h.fire()
        assert due(h, rid) == [("RelanceDue", 1), ("RelanceDue", 2)]
        second_sent = h.clock.now + timedelta(hours=1)
        h.send(rid, relance_interaction(rid, second_sent))
        h.clock.now = first_sent + timedelta(days=10)
        h.fire()
        h.clock.advance(days=1)
        h.fire()
        assert due(h, rid) == [("RelanceDue", 1), ("RelanceDue", 2), ("EscalationDue", None)]


def test_an_outbound_email_whose_subject_looks_like_a_relance_is_not_one(tmp_path):
    with Harness(tmp_path) as h:
        rid, _ = waiting_since_last_week(h)
        h.fire()
        h.send(rid, relance_interaction(rid, T0 + timedelta(hours=1), kind=None))
        h.clock.advance(days=30)
        h.fire()
        assert due(h, rid) == [("RelanceDue", 1)]


def test_the_deadlines_show_the_current_ones_and_the_history_on_demand(tmp_path):
    with Harness(tmp_path) as h:
        rid = uuid4()
        h.send(
            rid,
            ev.RequestReceived(request_id=rid, reference="R-BUSY", channel="email", received_at=T0),
            ev.RequestAcknowledged(request_id=rid, at=T0 + timedelta(minutes=5)),
        )
        for minutes in (10, 20, 30):
            h.send(rid, relance_interaction(rid, T0 + timedelta(minutes=minutes), kind=None))
        current = h.get(f"/requests/{rid}/deadlines")["deadlines"]
        assert [d for d in current if d["status"] == "superseded"] == []
        assert [d["kind"] for d in current].count("alert:pending_too_long") == 1
        history = h.get(f"/requests/{rid}/deadlines", history="true")["deadlines"]
        pending = [d for d in history if d["kind"] == "alert:pending_too_long"]
        assert len(pending) == 5 and [d["status"] for d in pending].count("superseded") == 4
