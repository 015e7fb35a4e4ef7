"""Intake's access policy: who may call each route (data), and whose records they may read.

Every route states one permission of ``POLICY``; the OpenAPI description of each operation
is written from it. Reads are open to any authenticated caller but filtered by need-to-know
(``events.service.access.read_scope``): a request or customer outside the caller's reach
answers 404, as if it did not exist, so that a probe cannot confirm it does.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query

from events.application.errors import NotFound
from events.service.access import AccessPolicy, ReadScope, anyone, at_least, described_route, only, read_scope
from events.service.auth import CurrentActor
from events.service.fields import Instant
from intake.entrypoints.deps import ViewsDep
from intake.entrypoints.problems import IntakeRoute

STAFF = ("agent", "manager", "director")
MANAGERS = ("manager", "director")


class Permission(StrEnum):
    READ_REQUESTS = "intake:read-requests"
    READ_CUSTOMERS = "intake:read-customers"
    RECEIVE_REQUESTS = "intake:receive-requests"
    WORK_ON_REQUESTS = "intake:work-on-requests"
    TRANSFER_AGAIN = "intake:transfer-again"
    DOCUMENT_QUEUE_EXCEPTION = "intake:document-queue-exception"
    VALIDATE_P1 = "intake:validate-p1"
    OVERRIDE_PRIORITY = "intake:override-priority"
    RECORD_SATISFACTION = "intake:record-satisfaction"
    READ_SURVEY_LINK = "intake:read-survey-link"
    REGISTER_CUSTOMERS = "intake:register-customers"
    UPDATE_CUSTOMERS = "intake:update-customers"
    MERGE_CUSTOMERS = "intake:merge-customers"
    TIME_TRAVEL = "intake:time-travel"


POLICY = AccessPolicy(
    {
        Permission.READ_REQUESTS: anyone(
            "Only the requests of the caller's teams (and those no team owns yet); "
            "director, quality, auditor and dpo read across teams."
        ),
        Permission.READ_CUSTOMERS: anyone(
            "Only customers linked to requests the caller may read; the dpo reads every customer."
        ),
        Permission.RECEIVE_REQUESTS: only(*STAFF),
        Permission.WORK_ON_REQUESTS: only(*STAFF, note="On requests the caller may read."),
        Permission.TRANSFER_AGAIN: at_least(2, *MANAGERS),
        Permission.DOCUMENT_QUEUE_EXCEPTION: at_least(2, *MANAGERS),
        Permission.VALIDATE_P1: at_least(2, *MANAGERS),
        Permission.OVERRIDE_PRIORITY: at_least(
            2, *MANAGERS, note="A priority the matrix does not give, as a documented exception."
        ),
        Permission.RECORD_SATISFACTION: only(
            *STAFF,
            note="Only an answer the customer gave by phone, recorded as such (source agent, "
            "channel phone); customers answer through their survey link.",
        ),
        Permission.READ_SURVEY_LINK: only(
            *STAFF, note="On requests the caller may read; the link is sent to the customer."
        ),
        Permission.REGISTER_CUSTOMERS: only(*STAFF),
        Permission.UPDATE_CUSTOMERS: only(*STAFF, note="On customers the caller may read."),
        Permission.MERGE_CUSTOMERS: at_least(2, *MANAGERS, note="On customers the caller may read."),
        Permission.TIME_TRAVEL: only(
            "auditor", "dpo", note="A request as the API showed it at a past instant (`as_of`)."
        ),
    }
)

allow = POLICY.allow
AccessRoute = described_route(IntakeRoute)
"""Intake's route class: problem+json errors, and the access rule in each operation's description."""


def also_needs(permission: Permission, when: str) -> str:
    """A sentence for a route description: a further permission, in some cases."""
    return f"{when} also needs `{permission}`: {POLICY.rule(permission).grantees()}."


async def scope_of(actor: CurrentActor) -> ReadScope:
    return read_scope(actor)


ScopeDep = Annotated[ReadScope, Depends(scope_of)]


async def request_in_reach(request_id: UUID, scope: ScopeDep, views: ViewsDep) -> dict[str, Any]:
    """The request's row, if the caller may read it; 404 otherwise."""
    row = await views.request(request_id)
    if row is None or not scope.covers_team(row["team"]):
        raise NotFound("request", request_id)
    return row


async def customer_in_reach(customer_id: UUID, scope: ScopeDep, views: ViewsDep) -> dict[str, Any]:
    """The customer's row, if the caller may read it; 404 otherwise."""
    row = await views.customer(customer_id, scope)
    if row is None:
        raise NotFound("customer", customer_id)
    return row


async def time_travel_instant(
    actor: CurrentActor,
    as_of: Annotated[
        Instant | None,
        Query(description="The state as the API showed it at this instant (RFC 3339)."),
    ] = None,
) -> datetime | None:
    """``as_of``, once the caller is allowed to travel in time (403 before any lookup, so a
    refused caller learns nothing of the request)."""
    if as_of is not None:
        POLICY.check(actor, Permission.TIME_TRAVEL)
    return as_of


AsOf = Annotated[datetime | None, Depends(time_travel_instant)]
AS_OF_ACCESS = also_needs(Permission.TIME_TRAVEL, "`as_of`")
RequestInReach = Annotated[dict[str, Any], Depends(request_in_reach)]
CustomerInReach = Annotated[dict[str, Any], Depends(customer_in_reach)]
