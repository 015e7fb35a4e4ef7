"""HTTP routes of the rules: the current policy version, calendars, and defining new ones.

A change moves the open requests to the new rules in the background."""

from __future__ import annotations

from typing import Annotated

from events.service.auth import Actor
from events.service.problems import Problem
from sla_clock.app import rules
from sla_clock.bootstrap import SlaService
from sla_clock.entrypoints.access import Permission, allow
from sla_clock.entrypoints.deps import SlaDep
from sla_clock.entrypoints.problems import sla_router
from sla_clock.entrypoints.schemas import CalendarsRead, CalendarUpdate, PolicyRead, PolicyUpdate
from sla_clock.entrypoints.tasks import spawn

router = sla_router()
READ = [allow(Permission.READ)]


def _policy(sla: SlaService) -> PolicyRead:
    book = sla.rules.book
    meta = book.policy_event
    return PolicyRead(
        version=book.policy.version,
        calendar=book.calendar,
        policy=book.policy.to_spec(),
        defined_by=meta.get("defined_by"),
        reason=meta.get("reason"),
        at=meta.get("at"),
    )


@router.get("/policies/current", dependencies=READ)
async def current_policy(sla: SlaDep) -> PolicyRead:
    return _policy(sla)


@router.put("/policies/current", summary="Define the next version")
async def define_policy(
    body: PolicyUpdate, sla: SlaDep, actor: Annotated[Actor, allow(Permission.DEFINE_POLICIES)]
) -> PolicyRead:
    await rules.define_policy(
        sla.rules,
        body.policy.model_dump(mode="json"),
        body.calendar,
        actor.subject,
        body.reason,
        sla.clock.now(),
    )
    spawn(sla.tracker.rearm_open_requests())  # open requests move to the new version
    return _policy(sla)


@router.get("/calendars", summary="Business calendars by name", dependencies=READ)
async def calendars(sla: SlaDep) -> CalendarsRead:
    book = sla.rules.book
    return CalendarsRead(
        current=book.calendar, calendars={name: cal.to_spec() for name, cal in book.calendars.items()}
    )


@router.put("/calendars/{name}", summary="Define or replace a business calendar")
async def define_calendar(
    name: str, body: CalendarUpdate, sla: SlaDep, actor: Annotated[Actor, allow(Permission.DEFINE_CALENDARS)]
) -> dict[str, object]:
    if body.calendar.name != name:
        raise Problem(422, "validation-error", "Name mismatch", "calendar.name must match the path")
    spec = body.calendar.model_dump(mode="json")
    calendar = await rules.define_calendar(sla.rules, spec, actor.subject, sla.clock.now())
    if name == sla.rules.book.calendar:
        spawn(sla.tracker.rearm_open_requests())
    return calendar.to_spec()
