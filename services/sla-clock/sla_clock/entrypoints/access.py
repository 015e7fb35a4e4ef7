"""The SLA clock's access policy: who may call each route (data, one place).

Every route states one permission of ``POLICY``; the OpenAPI description of each operation
is written from it. The SLA clock holds no personal data: reads are open to any
authenticated caller, unfiltered.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query

from events.service.access import AccessPolicy, anyone, at_least, only
from events.service.auth import CurrentActor
from events.service.fields import Instant


class Permission(StrEnum):
    READ = "sla:read"
    DEFINE_POLICIES = "sla:define-policies"
    DEFINE_CALENDARS = "sla:define-calendars"
    REBUILD_PROJECTIONS = "sla:rebuild-projections"
    TIME_TRAVEL = "sla:time-travel"


POLICY = AccessPolicy(
    {
        Permission.READ: anyone(),
        Permission.DEFINE_POLICIES: at_least(3, "director"),
        Permission.DEFINE_CALENDARS: at_least(3, "director"),
        Permission.REBUILD_PROJECTIONS: only("ops"),
        Permission.TIME_TRAVEL: only(
            "auditor", "dpo", note="Deadlines as the SLA clock had them at a past instant (`as_of`)."
        ),
    }
)

allow = POLICY.allow


async def time_travel_instant(
    actor: CurrentActor,
    as_of: Annotated[
        Instant | None,
        Query(description="The deadlines as the SLA clock had them at this instant (RFC 3339)."),
    ] = None,
) -> datetime | None:
    """``as_of``, once the caller is allowed to travel in time (403 before any lookup)."""
    if as_of is not None:
        POLICY.check(actor, Permission.TIME_TRAVEL)
    return as_of


AsOf = Annotated[datetime | None, Depends(time_travel_instant)]
AS_OF_ACCESS = (
    f"`as_of` also needs `{Permission.TIME_TRAVEL}`: {POLICY.rule(Permission.TIME_TRAVEL).grantees()}."
)
