"""KPIs (docs/domain.md §14.2) on a hand-computed four-request scenario."""

from datetime import UTC, datetime, timedelta

import pytest

from events.vocabulary import Channel, Priority
from sla_clock.domain.kpi import KpiReport, RequestFacts, compute_kpis, compute_kpis_by

T0 = datetime(2025, 3, 17, 9, tzinfo=UTC)
H, M = timedelta(hours=1), timedelta(minutes=1)

SCENARIO = [
    # resolved at first contact in 2 h, everything met, happy customer
    RequestFacts(
        T0,
        Priority.P2,
        Channel.EMAIL,
        team="A",
        first_response_at=T0 + 30 * M,
        resolved_at=T0 + 2 * H,
        closed_at=T0 + 3 * H,
        contacts_before_resolution=1,
        first_response_sla_met=True,
        resolution_sla_met=True,
        csat=5,
        nps=10,
    ),
    # resolved after 24 h, three contacts, reopened, escalated, resolution SLA missed
    RequestFacts(
        T0 + H,
        Priority.P1,
        Channel.PHONE,
        team="B",
        first_response_at=T0 + 2 * H,
        resolved_at=T0 + 25 * H,
        reopened_count=1,
        escalated=True,
        contacts_before_resolution=3,
        first_response_sla_met=True,
        resolution_sla_met=False,
        csat=3,
        nps=6,
    ),
    # answered, still open
    RequestFacts(
        T0 + 3 * H,
        Priority.P3,
        Channel.CHAT,
        team="A",
        first_response_at=T0 + 3 * H + 30 * M,
        first_response_sla_met=True,
        nps=8,
    ),
    # untouched, but a survey answer came through another channel
    RequestFacts(T0 + 4 * H, Priority.P3, Channel.LETTER, team="B", nps=9),
]


def test_kpis_of_the_scenario_match_hand_computed_values() -> None:
    report = compute_kpis(SCENARIO)
    assert report == KpiReport(
        received=4,
        responded=3,
        resolved=2,
        closed=1,
        unresolved=2,
        average_first_response=40 * M,  # (30 + 60 + 30) / 3
        average_handling_time=13 * H,  # (2 h + 24 h) / 2
        fcr_percent=50.0,  # 1 of 2 resolved with a known contact count
        sla_compliance_percent=pytest.approx(200 / 3),  # type: ignore[arg-type]  # 2 of 3
        reopen_rate_percent=50.0,
        escalation_rate_percent=25.0,
        average_csat=4.0,
        nps=25.0,  # promoters 10, 9; detractor 6; passive 8 -> (2 - 1) / 4
    )


def test_empty_input_gives_none_rather_than_dividing_by_zero() -> None:
    report = compute_kpis([])
    assert report.received == 0
    assert report.average_first_response is None
    assert report.average_handling_time is None
    assert report.fcr_percent is None
    assert report.sla_compliance_percent is None
    assert report.reopen_rate_percent is None
    assert report.escalation_rate_percent is None
    assert report.average_csat is None
    assert report.nps is None


def test_kpis_can_be_grouped_by_team() -> None:
    by_team = compute_kpis_by(SCENARIO, lambda f: f.team)
    assert set(by_team) == {"A", "B"}
    assert by_team["A"].received == 2
    assert by_team["A"].fcr_percent == 100.0
    assert by_team["B"].escalation_rate_percent == 50.0
    assert by_team["B"].nps == 0.0


def test_an_out_of_range_nps_answer_is_rejected() -> None:
    with pytest.raises(ValueError):
        RequestFacts(T0, Priority.P3, Channel.EMAIL, nps=11)
