"""HTTP routes of the SLA clock: thin adapters from HTTP to the use cases; ``routers`` are all
of the service's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from events.service.access_log import AccessLogDep
from events.service.fields import Instant
from events.service.problems import Problem
from sla_clock.app.ports import KpiFilter
from sla_clock.app.reports import kpis, weekly_report
from sla_clock.app.time_travel import explain_as_of, rules_as_of
from sla_clock.app.views import explain_request, list_alerts
from sla_clock.entrypoints.access import AS_OF_ACCESS, AsOf, Permission, allow
from sla_clock.entrypoints.deps import SlaDep
from sla_clock.entrypoints.policies import router as policies_router
from sla_clock.entrypoints.problems import sla_router
from sla_clock.entrypoints.rebuild import rebuild
from sla_clock.entrypoints.schemas import (
    AlertRead,
    DeadlinesRead,
    KpiRead,
    RebuildRead,
    SchedulerRead,
    WeeklyReportRead,
)
from sla_clock.entrypoints.tasks import spawn

router = sla_router()
READ = [allow(Permission.READ)]
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


@router.get(
    "/requests/{request_id}/deadlines",
    summary="The current deadlines, how each was computed, its events",
    description="Active and done deadlines; `history=true` adds the superseded ones (moved by a "
    "later fact or rule before they fired). The view follows intake's events as the SLA clock "
    "consumes them. With `as_of`: each deadline and its explanation recomputed from the facts "
    "recorded by that instant (the events' recorded time), under the policy and calendars in "
    "force at each fact, thresholds passed by then fired, and the SLA events recorded by then "
    "(404 if no event of the request was known yet). " + AS_OF_ACCESS,
    dependencies=READ,
)
async def request_deadlines(
    as_of: AsOf,
    request_id: UUID,
    sla: SlaDep,
    access_log: AccessLogDep,
    history: Annotated[bool, Query(description="Include the superseded deadlines.")] = False,
) -> DeadlinesRead:
    if as_of is None:
        return DeadlinesRead.of(await explain_request(sla.read, request_id, history))
    await access_log.read(
        "deadlines_as_of",
        customer_id=None,
        resource=f"request/{request_id}/deadlines?as_of={as_of.isoformat()}",
    )
    facts = await sla.read.facts_known(request_id, as_of)
    store = sla.rules.store
    rules_at = rules_as_of(await store.calendars(), await store.policies())
    events = await sla.read.sla_events(request_id)
    return DeadlinesRead.of(explain_as_of(facts, request_id, rules_at, events, as_of, history))


@router.get("/kpis", summary="Live KPIs over requests received in [from, to)", dependencies=READ)
async def get_kpis(
    sla: SlaDep,
    start: Annotated[Instant | None, Query(alias="from")] = None,
    end: Annotated[Instant | None, Query(alias="to")] = None,
    team: str | None = None,
    channel: str | None = None,
    priority: str | None = None,
) -> KpiRead:
    where = KpiFilter(start, end, team, channel, priority)
    return KpiRead.of(await kpis(sla.read, where, sla.clock.now()))


async def _weekly(sla: SlaDep, week: str) -> WeeklyReportRead:
    report = await weekly_report(sla.read, week, sla.rules.book.time_zone(), sla.clock.now())
    return WeeklyReportRead.of(report)


@router.get("/reports/weekly", summary="Weekly report as JSON (week=YYYY-Www)", dependencies=READ)
async def weekly_json(sla: SlaDep, week: str) -> WeeklyReportRead:
    return await _weekly(sla, week)


@router.get(
    "/reports/weekly.html", response_class=HTMLResponse, summary="Weekly report, readable", dependencies=READ
)
async def weekly_html(sla: SlaDep, week: str) -> HTMLResponse:
    report = (await _weekly(sla, week)).model_dump(mode="json", by_alias=True)
    return HTMLResponse(_templates.get_template("weekly.html").render(report=report))


@router.get("/alerts", summary="Operational alerts and relance reminders", dependencies=READ)
async def alerts(
    sla: SlaDep, state: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AlertRead]:
    return [AlertRead.of(timer) for timer in await list_alerts(sla.read, state, limit)]


@router.post(
    "/projections/rebuild",
    response_model=RebuildRead,
    status_code=202,
    dependencies=[allow(Permission.REBUILD_PROJECTIONS)],
)
async def rebuild_projections(sla: SlaDep) -> RebuildRead:
    if not sla.replay.ready():
        raise Problem(503, "not-ready", "The consumer is not running yet")
    spawn(rebuild(sla.replay, sla.tracker, sla.scheduler))
    return RebuildRead(status="rebuilding", detail="read model cleared; replaying the topics")


@router.get("/scheduler", summary="Scheduler state (operations)", dependencies=READ)
async def scheduler_state(sla: SlaDep) -> SchedulerRead:
    return SchedulerRead.of(sla.scheduler.state())


routers = (router, policies_router)
