"""HTTP contract of the SLA clock (not the domain's types). Instants are ISO 8601 strings as
``datetime.isoformat()`` writes them, offsets included."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from events.service.fields import Line
from events.vocabulary import Channel
from sla_clock.app.reports import Kpis, WeeklyReport
from sla_clock.app.scheduler import SchedulerState
from sla_clock.app.views import RequestExplained
from sla_clock.domain.policy import OverrideScope, TimeBasis
from sla_clock.domain.request_record import RequestRecord
from sla_clock.domain.state_codec import encode
from sla_clock.domain.timers import Deadline, TimerRecord


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class PolicyRead(BaseModel):
    version: int
    calendar: str
    policy: dict[str, Any]
    defined_by: str | None = None
    reason: str | None = None
    at: str | None = None


class Spec(BaseModel):
    """Part of a rules specification: every key named, no other key accepted."""

    model_config = ConfigDict(extra="forbid")


#: The longest target a policy may set: ten years (a longer one would overflow date arithmetic).
MAX_TARGET_SECONDS = 3650 * 24 * 3600


class TargetSpec(Spec):
    """A duration counted in business time (the calendar's opening hours) or clock time."""

    seconds: Annotated[float, Field(ge=0, le=MAX_TARGET_SECONDS)]
    basis: TimeBasis


class PriorityTargetsSpec(Spec):
    first_response: TargetSpec
    update_cadence: TargetSpec
    resolution: TargetSpec


class PrioritiesSpec(Spec):
    """The targets of each priority (docs/domain.md §4.2), keyed by label."""

    P1: PriorityTargetsSpec
    P2: PriorityTargetsSpec
    P3: PriorityTargetsSpec


class ChannelStandardSpec(Spec):
    """A channel's service standard (docs/domain.md §4.3); null where the channel sets none."""

    first_response: TargetSpec | None
    resolution: TargetSpec | None


class OverrideSpec(Spec):
    """Targets of one priority for a contract, a profile or a team (null: the priority's own)."""

    scope: OverrideScope
    key: Line
    priority: Literal["P1", "P2", "P3"]
    first_response: TargetSpec | None
    update_cadence: TargetSpec | None
    resolution: TargetSpec | None


class PolicySpec(Spec):
    """``SlaPolicy.to_spec()``: the SLA grid, channel standards and overrides."""

    version: int | None = Field(None, description="Ignored: the next version is numbered by the service.")
    apply_cutoff: bool = Field(
        description="Requests received after the calendar's cutoff count from the next opening."
    )
    priorities: PrioritiesSpec
    channels: dict[Channel, ChannelStandardSpec]
    overrides: list[OverrideSpec]


class PolicyUpdate(BaseModel):
    """The next policy version: ``policy`` is ``SlaPolicy.to_spec()`` (its version is ignored)."""

    policy: PolicySpec
    calendar: Line = "france"
    reason: Annotated[Line, StringConstraints(min_length=3)]


OpeningSpan = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"),
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class HolidaysSpec(Spec):
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")] = Field(
        description="ISO 3166-1 country code whose public holidays close the calendar."
    )
    subdiv: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,16}$")] | None = Field(
        None, description="Its subdivision (QC), when holidays differ by region."
    )


class CalendarSpec(Spec):
    """``BusinessCalendar.to_spec()``: when the organisation is open."""

    name: Line
    tz: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="IANA time zone (Europe/Paris)."
    )
    weekly_hours: dict[Weekday, list[OpeningSpan]] = Field(
        description="Opening spans per weekday (08:30-12:00); a day left out is closed."
    )
    holidays: HolidaysSpec | None
    extra_closed_dates: list[date]
    cutoff: (
        Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")] | None
    ) = Field(description="Local time after which a request counts from the next business day; null: none.")


class CalendarUpdate(BaseModel):
    """``BusinessCalendar.to_spec()``; its ``name`` must match the path."""

    calendar: CalendarSpec


class CalendarsRead(BaseModel):
    current: str
    calendars: dict[str, dict[str, Any]]


class RebuildRead(BaseModel):
    status: str
    detail: str


class ThresholdRead(BaseModel):
    threshold: str
    fire_at: str
    state: str
    emitted_at: str | None

    @classmethod
    def of(cls, timer: TimerRecord) -> ThresholdRead:
        return cls(
            threshold=timer.threshold,
            fire_at=timer.fire_at.isoformat(),
            state=timer.state,
            emitted_at=_instant(timer.emitted_at),
        )


class DeadlineRead(BaseModel):
    kind: str
    due_at: str
    computed: dict[str, Any] = Field(description="How the due instant was computed")
    thresholds: list[ThresholdRead]
    status: str = Field(description="active, done or superseded")

    @classmethod
    def of(cls, deadline: Deadline) -> DeadlineRead:
        return cls(
            kind=deadline.kind,
            due_at=deadline.due_at.isoformat(),
            computed=deadline.computed,
            thresholds=[ThresholdRead.of(timer) for timer in deadline.thresholds],
            status=deadline.status,
        )


class SlaEventRead(BaseModel):
    type: str
    event_id: UUID
    version: int
    data: dict[str, Any]


class DeadlinesRead(BaseModel):
    request_id: UUID
    facts: dict[str, Any]
    deadlines: list[DeadlineRead]
    events: list[SlaEventRead]

    @classmethod
    def of(cls, explained: RequestExplained) -> DeadlinesRead:
        return cls(
            request_id=explained.state.request_id,
            facts=encode(explained.state),
            deadlines=[DeadlineRead.of(deadline) for deadline in explained.deadlines],
            events=[
                SlaEventRead(type=e.type, event_id=e.id, version=e.stream_version, data=e.data)
                for e in explained.events
            ],
        )


class VolumesRead(BaseModel):
    received: int
    in_progress: int
    waiting: int
    resolved: int


class KpiRead(BaseModel):
    """Durations in seconds; a ratio or mean is null when there is nothing to compute it over."""

    received: int
    responded: int
    resolved: int
    closed: int
    unresolved: int
    average_first_response: float | None
    average_handling_time: float | None
    fcr_percent: float | None
    sla_compliance_percent: float | None
    reopen_rate_percent: float | None
    escalation_rate_percent: float | None
    average_csat: float | None
    nps: float | None
    volumes: VolumesRead

    @field_validator("average_first_response", "average_handling_time", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        return value.total_seconds() if isinstance(value, timedelta) else value

    @classmethod
    def of(cls, kpis: Kpis) -> KpiRead:
        return cls.model_validate({**asdict(kpis.report), "volumes": asdict(kpis.volumes)})


class AlertRead(BaseModel):
    request_id: UUID
    alert: str
    state: str = Field(description="armed (upcoming), fired (raised) or cancelled")
    due_at: str
    emitted_at: str | None

    @classmethod
    def of(cls, timer: TimerRecord) -> AlertRead:
        return cls(
            request_id=timer.request_id,
            alert=timer.key,
            state=timer.state,
            due_at=timer.due_at.isoformat(),
            emitted_at=_instant(timer.emitted_at),
        )


class SchedulerRead(BaseModel):
    fired: int
    loaded: int = Field(description="Timers in memory, due within the horizon")
    paused: bool
    caught_up: bool
    recovery_seconds: float | None

    @classmethod
    def of(cls, state: SchedulerState) -> SchedulerRead:
        return cls.model_validate(asdict(state))


class SlaCountsRead(BaseModel):
    first_response_met: int
    first_response_missed: int
    resolution_met: int
    resolution_missed: int


class UnresolvedRead(BaseModel):
    request_id: UUID
    reference: str | None
    priority: str | None
    team: str | None
    status: str
    received_at: str
    resolution_due: str | None

    @classmethod
    def of(cls, record: RequestRecord) -> UnresolvedRead:
        return cls(
            request_id=record.request_id,
            reference=record.reference,
            priority=record.priority,
            team=record.team,
            status=record.status,
            received_at=record.received_at.isoformat(),
            resolution_due=_instant(record.resolution_due),
        )


class WeeklyReportRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    week: str
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    kpis: KpiRead
    previous_week: KpiRead
    trends: VolumesRead = Field(description="Each volume's change from the previous week")
    slas: SlaCountsRead
    unresolved: list[UnresolvedRead]
    improvement_points: list[str]
    objectives: list[str]

    @classmethod
    def of(cls, report: WeeklyReport) -> WeeklyReportRead:
        return cls(
            week=report.week,
            **{"from": report.start.isoformat(), "to": report.end.isoformat()},
            kpis=KpiRead.of(report.kpis),
            previous_week=KpiRead.of(report.previous_week),
            trends=VolumesRead.model_validate(asdict(report.trends)),
            slas=SlaCountsRead.model_validate(asdict(report.slas)),
            unresolved=[UnresolvedRead.of(record) for record in report.unresolved],
            improvement_points=report.improvement_points,
            objectives=report.objectives,
        )
