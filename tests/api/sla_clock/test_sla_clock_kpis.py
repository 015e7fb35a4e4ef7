"""KPIs against a hand-computed scenario; the weekly report; a rebuild gives the same numbers."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sla_harness import T0, Harness, bearer

from events.catalogue import intake as ev

H = timedelta(hours=1)
M = timedelta(minutes=1)


def scenario(h: Harness) -> None:
    """A: P1, answered in 10 min, solved at first contact in 2 h (CSAT 5, NPS 10).
    B: P2 email, answered after 3 h (due after 2 business hours: missed), escalated, solved
    the next day (CSAT 3, NPS 5). C: P3 letter, answered in 1 h, solved, reopened (NPS 8)."""
    a, b, c = uuid4(), uuid4(), uuid4()
    for rid, channel, priority, team in (
        (a, "phone", "p1", "support"),
        (b, "email", "p2", "support"),
        (c, "letter", "p3", "<b>billing</b>"),
    ):
        h.send(
            rid,
            ev.RequestReceived(request_id=rid, reference=f"R-{channel}", channel=channel, received_at=T0),
            ev.RequestQualified(
                request_id=rid,
                category="x",
                profile="b2c",
                impact="low",
                urgency="low",
                workaround="none",
                priority=priority,
                at=T0,
            ),
            ev.RequestAssigned(request_id=rid, team=team, at=T0),
        )
    h.send(
        a,
        ev.RequestAcknowledged(request_id=a, at=T0 + 10 * M),
        ev.RequestResolved(request_id=a, resolution="fixed", first_contact=True, at=T0 + 2 * H),
        ev.SatisfactionRecorded(request_id=a, csat=5, nps=10, at=T0 + 3 * H),
    )
    h.send(
        b,
        ev.RequestAcknowledged(request_id=b, at=T0 + 3 * H),
        ev.RequestEscalated(request_id=b, to="n2", criterion="impact", reason="r", at=T0 + 4 * H),
        ev.RequestResolved(request_id=b, resolution="fixed", at=T0 + 24 * H),
        ev.SatisfactionRecorded(request_id=b, csat=3, nps=5, at=T0 + 25 * H),
    )
    h.send(
        c,
        ev.RequestAcknowledged(request_id=c, at=T0 + H),
        ev.RequestResolved(request_id=c, resolution="answered", at=T0 + 4 * H),
        ev.RequestReopened(request_id=c, reason="not solved", at=T0 + 5 * H),
        ev.SatisfactionRecorded(request_id=c, nps=8, at=T0 + 6 * H),
    )
    h.clock.now = T0 + 48 * H


def test_kpis_match_the_hand_computed_scenario(tmp_path):
    with Harness(tmp_path) as h:
        scenario(h)
        k = h.get("/kpis")
        assert k["volumes"] == {"received": 3, "in_progress": 1, "waiting": 0, "resolved": 2}
        assert k["average_first_response"] == pytest.approx((10 + 180 + 60) * 60 / 3)
        assert k["average_handling_time"] == pytest.approx(13 * 3600)
        assert k["fcr_percent"] == 50.0
        assert k["sla_compliance_percent"] == pytest.approx(200 / 3)  # B missed its first response
        assert k["escalation_rate_percent"] == pytest.approx(100 / 3)
        assert k["average_csat"] == 4.0 and k["nps"] == 0.0
        assert h.get("/kpis", team="support")["received"] == 2
        assert h.get("/kpis", priority="p1")["sla_compliance_percent"] == 100.0
        assert h.get("/kpis", channel="letter")["volumes"]["in_progress"] == 1
        assert h.get("/kpis", **{"from": (T0 + H).isoformat()})["received"] == 0


def test_the_weekly_report_as_json_and_as_an_escaped_html_page(tmp_path):
    with Harness(tmp_path) as h:
        scenario(h)
        report = h.get("/reports/weekly", week="2026-W10")
        assert report["kpis"]["received"] == 3 and report["trends"]["received"] == 3
        assert report["slas"]["first_response_missed"] == 1
        assert [r["reference"] for r in report["unresolved"]] == ["R-letter"]
        assert any("First-contact resolution" in p for p in report["improvement_points"])
        page = h.client.get("/reports/weekly.html", params={"week": "2026-W10"})
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "Weekly report — 2026-W10" in page.text
        assert "&lt;b&gt;billing&lt;/b&gt;" in page.text and "<b>billing" not in page.text
        assert h.client.get("/reports/weekly", params={"week": "W10"}).status_code == 422


def test_a_rebuild_from_replay_gives_the_same_numbers_and_emits_nothing_twice(tmp_path):
    with Harness(tmp_path) as h:
        scenario(h)
        h.fire()
        before, alerts = h.get("/kpis"), h.get("/alerts", state="fired")
        assert h.client.post("/projections/rebuild", headers=bearer(2)).status_code == 403
        response = h.client.post("/projections/rebuild", headers=bearer(1, "ops"))
        assert response.status_code == 202
        deadline = time.monotonic() + 15
        while h.get("/scheduler")["paused"] or h.get("/kpis")["received"] < 3:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert h.fire() == 0
        assert h.get("/kpis") == before
        assert h.get("/alerts", state="fired") == alerts
