"""HTTP routes of the SLA clock: thin adapters from HTTP to the app layer."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from events.service.app import RuntimeDep
from events.service.auth import Actor, require_level
from events.service.problems import Problem
from events.service.runtime import ServiceRuntime
from sla_clock.app import rules as policies
from sla_clock.app.context import SlaContext
from sla_clock.app.kpis import KpiFilter, kpis, load_rows
from sla_clock.app.projection import rearm_open_requests
from sla_clock.app.rebuild import rebuild
from sla_clock.app.reports import weekly_report
from sla_clock.app.views import explain_request, list_alerts
from sla_clock.entrypoints.schemas import CalendarUpdate, PolicyRead, PolicyUpdate, RebuildRead

router = APIRouter(tags=["sla-clock"])
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
_background: set[asyncio.Task[Any]] = set()
Manager = Annotated[Actor, require_level(2)]
Director = Annotated[Actor, require_level(3)]


def _ctx(runtime: ServiceRuntime) -> SlaContext:
    ctx = runtime.state.get("sla")
    if ctx is None:
        raise Problem(503, "not-ready", "The SLA clock is starting")
    return ctx  # type: ignore[no-any-return]


def _spawn(coroutine: Any) -> None:
    task = asyncio.create_task(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)


@router.get("/requests/{request_id}/deadlines", summary="Each deadline, how it was computed, its events")
async def request_deadlines(request_id: UUID, runtime: RuntimeDep) -> dict[str, Any]:
    found = await explain_request(runtime.store, request_id)
    if found is None:
        raise Problem(404, "not-found", "Unknown request", f"no request {request_id} seen yet")
    return found


@router.get("/kpis", summary="Live KPIs over requests received in [from, to)")
async def get_kpis(
    runtime: RuntimeDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    team: str | None = None,
    channel: str | None = None,
    priority: str | None = None,
) -> dict[str, Any]:
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise Problem(422, "validation-error", "Times need a UTC offset", str(value))
    rows = await load_rows(runtime.engine, KpiFilter(start, end, team, channel, priority))
    return kpis(rows, _ctx(runtime).now())


async def _weekly(runtime: ServiceRuntime, week: str) -> dict[str, Any]:
    ctx = _ctx(runtime)
    tz = ctx.rules.calendars[ctx.rules.calendar].tz
    try:
        return await weekly_report(runtime.engine, week, tz, ctx.now())
    except ValueError as error:
        raise Problem(422, "validation-error", "Bad week", str(error)) from error


@router.get("/reports/weekly", summary="Weekly report as JSON (week=YYYY-Www)")
async def weekly_json(runtime: RuntimeDep, week: str) -> dict[str, Any]:
    return await _weekly(runtime, week)


@router.get("/reports/weekly.html", response_class=HTMLResponse, summary="Weekly report, readable")
async def weekly_html(runtime: RuntimeDep, week: str) -> HTMLResponse:
    report = await _weekly(runtime, week)
    return HTMLResponse(_templates.get_template("weekly.html").render(report=report))


@router.get("/policies/current", response_model=PolicyRead)
async def current_policy(runtime: RuntimeDep) -> PolicyRead:
    book = _ctx(runtime).rules
    meta = book.policy_event
    return PolicyRead(
        version=book.policy.version,
        calendar=book.calendar,
        policy=book.policy.to_spec(),
        defined_by=meta.get("defined_by"),
        reason=meta.get("reason"),
        at=meta.get("at"),
    )


@router.put("/policies/current", response_model=PolicyRead, summary="Define the next version")
async def define_policy(body: PolicyUpdate, runtime: RuntimeDep, actor: Manager) -> PolicyRead:
    ctx = _ctx(runtime)
    try:
        await policies.define_policy(
            runtime.store, ctx.rules, body.policy, body.calendar, actor.subject, body.reason, ctx.now()
        )
    except policies.UnknownCalendar as error:
        raise Problem(422, "unknown-calendar", "Unknown calendar", str(error)) from error
    except (KeyError, ValueError, TypeError) as error:
        raise Problem(422, "invalid-policy", "The policy is not valid", repr(error)) from error
    runtime.committed()
    ctx.rules = await policies.load_rules(runtime.store)
    _spawn(rearm_open_requests(ctx, runtime.engine))  # open requests move to the new version
    return await current_policy(runtime)


@router.get("/calendars", summary="Business calendars by name")
async def calendars(runtime: RuntimeDep) -> dict[str, Any]:
    book = _ctx(runtime).rules
    return {
        "current": book.calendar,
        "calendars": {name: cal.to_spec() for name, cal in book.calendars.items()},
    }


@router.put("/calendars/{name}", summary="Define or replace a business calendar")
async def define_calendar(
    name: str, body: CalendarUpdate, runtime: RuntimeDep, actor: Manager
) -> dict[str, Any]:
    ctx = _ctx(runtime)
    if body.calendar.get("name") != name:
        raise Problem(422, "validation-error", "Name mismatch", "calendar.name must match the path")
    try:
        calendar = await policies.define_calendar(
            runtime.store, ctx.rules, body.calendar, actor.subject, ctx.now()
        )
    except (KeyError, ValueError, TypeError) as error:
        raise Problem(422, "invalid-calendar", "The calendar is not valid", str(error)) from error
    runtime.committed()
    ctx.rules = await policies.load_rules(runtime.store)
    if name == ctx.rules.calendar:
        _spawn(rearm_open_requests(ctx, runtime.engine))
    return calendar.to_spec()


@router.get("/alerts", summary="Operational alerts and relance reminders")
async def alerts(
    runtime: RuntimeDep, state: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    return await list_alerts(runtime.engine, state, limit)


@router.post("/projections/rebuild", response_model=RebuildRead, status_code=202)
async def rebuild_projections(runtime: RuntimeDep, actor: Director) -> RebuildRead:
    if runtime.consumer is None:
        raise Problem(503, "not-ready", "The consumer is not running yet")
    _spawn(rebuild(runtime))
    return RebuildRead(status="rebuilding", detail="read model cleared; replaying the topics")


@router.get("/scheduler", summary="Scheduler state (operations)")
async def scheduler_state(runtime: RuntimeDep) -> dict[str, Any]:
    scheduler = runtime.state.get("scheduler")
    if scheduler is None:
        raise Problem(503, "not-ready", "The SLA clock is starting")
    return {
        "fired": scheduler.fired,
        "loaded": len(scheduler._heap),
        "paused": scheduler.paused,
        "caught_up": scheduler.caught_up.is_set(),
        "recovery_seconds": scheduler.recovery_seconds,
    }
