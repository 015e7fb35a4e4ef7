"""Dashboard KPIs (docs/domain.md §14.2) as plain arithmetic over per-request facts.

Definitions (each ratio is None when its denominator is empty, never a division by zero):

* average first response time: received -> first response, over responded requests;
* average handling time: received -> resolved, over resolved requests (clock time);
* FCR %: resolved requests with exactly one contact before resolution and never reopened,
  over resolved requests whose contact count is known;
* SLA compliance %: requests whose every evaluated SLA flag is met, over requests with at
  least one evaluated flag;
* reopen rate %: resolved requests reopened at least once, over resolved requests;
* escalation rate %: escalated requests over received requests;
* average CSAT: mean of the scores given (on whatever scale the survey uses);
* NPS: % promoters (9–10) minus % detractors (0–6) among answers, from -100 to 100.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from events.vocabulary import Channel, Priority

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class RequestFacts:
    received_at: datetime
    priority: Priority
    channel: Channel
    team: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_count: int = 0
    escalated: bool = False
    contacts_before_resolution: int | None = None
    first_response_sla_met: bool | None = None  # None: not evaluated
    resolution_sla_met: bool | None = None
    csat: float | None = None
    nps: int | None = None  # 0..10, "would you recommend us?"

    def __post_init__(self) -> None:
        if self.nps is not None and not 0 <= self.nps <= 10:
            raise ValueError(f"an NPS answer is 0..10, got {self.nps}")
        if self.reopened_count < 0:
            raise ValueError("reopened_count must not be negative")


@dataclass(frozen=True)
class KpiReport:
    received: int
    responded: int
    resolved: int
    closed: int
    unresolved: int
    average_first_response: timedelta | None
    average_handling_time: timedelta | None
    fcr_percent: float | None
    sla_compliance_percent: float | None
    reopen_rate_percent: float | None
    escalation_rate_percent: float | None
    average_csat: float | None
    nps: float | None


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _mean_duration(durations: list[timedelta]) -> timedelta | None:
    return None if not durations else sum(durations, timedelta(0)) / len(durations)


def _sla_met(fact: RequestFacts) -> bool | None:
    flags = [f for f in (fact.first_response_sla_met, fact.resolution_sla_met) if f is not None]
    return None if not flags else all(flags)


def _first_contact(fact: RequestFacts) -> bool:
    return fact.contacts_before_resolution == 1 and fact.reopened_count == 0


def compute_kpis(facts: Iterable[RequestFacts]) -> KpiReport:
    rows = list(facts)
    responded = [f for f in rows if f.first_response_at is not None]
    resolved = [f for f in rows if f.resolved_at is not None]
    with_contacts = [f for f in resolved if f.contacts_before_resolution is not None]
    sla = [met for met in map(_sla_met, rows) if met is not None]
    csat = [f.csat for f in rows if f.csat is not None]
    nps = [f.nps for f in rows if f.nps is not None]
    promoters = sum(1 for score in nps if score >= 9)
    detractors = sum(1 for score in nps if score <= 6)
    return KpiReport(
        received=len(rows),
        responded=len(responded),
        resolved=len(resolved),
        closed=sum(1 for f in rows if f.closed_at is not None),
        unresolved=len(rows) - len(resolved),
        average_first_response=_mean_duration(
            [f.first_response_at - f.received_at for f in rows if f.first_response_at is not None]
        ),
        average_handling_time=_mean_duration(
            [f.resolved_at - f.received_at for f in rows if f.resolved_at is not None]
        ),
        fcr_percent=_percent(sum(map(_first_contact, with_contacts)), len(with_contacts)),
        sla_compliance_percent=_percent(sum(sla), len(sla)),
        reopen_rate_percent=_percent(sum(1 for f in resolved if f.reopened_count > 0), len(resolved)),
        escalation_rate_percent=_percent(sum(1 for f in rows if f.escalated), len(rows)),
        average_csat=None if not csat else sum(csat) / len(csat),
        nps=None if not nps else 100.0 * (promoters - detractors) / len(nps),
    )


def compute_kpis_by(facts: Iterable[RequestFacts], key: Callable[[RequestFacts], K]) -> dict[K, KpiReport]:
    """One report per group, e.g. ``key=lambda f: f.team`` or ``lambda f: f.priority``."""
    groups: dict[K, list[RequestFacts]] = {}
    for fact in facts:
        groups.setdefault(key(fact), []).append(fact)
    return {group: compute_kpis(rows) for group, rows in groups.items()}
