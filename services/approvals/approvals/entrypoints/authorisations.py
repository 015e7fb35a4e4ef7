"""HTTP routes of the recorded authorisations: grant, revoke and list habilitations; appoint
and list substitutes. Each states its permission (``access.POLICY``); the domain then checks
the finer rules (only a director grants; the absent person or management appoints)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from approvals.app.authorisations import AppointSubstitute, GrantHabilitation, RevokeHabilitation
from approvals.domain.habilitations import Grant, Habilitation, HabilitationRefused, Scope
from approvals.domain.substitutes import Substitution
from approvals.entrypoints.access import Permission, allow
from approvals.entrypoints.authorisation_schemas import (
    HabilitationCreate,
    HabilitationRead,
    RevocationCreate,
    SubstitutionCreate,
    SubstitutionRead,
)
from approvals.entrypoints.deps import ApprovalsDep, DeciderDep
from approvals.entrypoints.problems import to_problem
from events.catalogue.approvals import Money
from events.ids import new_id
from events.service.access import described_route, read_scope
from events.service.auth import CurrentActor
from events.service.deps import MetadataDep
from events.service.http import field_problem, problem_route
from events.service.problems import Problem

PersonQuery = Annotated[str | None, Query(min_length=1, max_length=256, description="The person's `sub`")]


def authorisation_problem(error: Exception) -> Problem | None:
    """A refused grant, revocation or appointment as problem+json (then approvals' own errors)."""
    if isinstance(error, HabilitationRefused):
        if error.status == 422:
            return field_problem(error.field or "body", error.message)
        if error.status == 403:
            return Problem(403, error.code, "Not allowed", error.message, missing=f"approvals:{error.code}")
        if error.status == 404:
            return Problem(404, "not-found", "Not found", error.message)
        return Problem(error.status, error.code, "Conflict", error.message)
    return to_problem(error)


router = APIRouter(tags=["authorisations"], route_class=described_route(problem_route(authorisation_problem)))


def habilitation_read(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    ceiling = None
    if row["ceiling_currency"] is not None:
        ceiling = {"amount": row["ceiling_amount"], "currency": row["ceiling_currency"]}
    revoked = row["revoked_at"] is not None and row["revoked_at"] <= now
    current = row["valid_from"] <= now and (row["valid_until"] is None or now < row["valid_until"])
    return row | {"amount_ceiling": ceiling, "in_force": current and not revoked}


def _row_of(habilitation: Habilitation) -> dict[str, Any]:
    ceiling = habilitation.scope.ceiling
    return {
        "habilitation_id": habilitation.habilitation_id,
        "person": habilitation.person,
        "level": habilitation.level,
        "teams": sorted(habilitation.scope.teams),
        "kinds": sorted(habilitation.scope.kinds),
        "ceiling_amount": ceiling.amount if ceiling else None,
        "ceiling_currency": ceiling.currency if ceiling else None,
        "valid_from": habilitation.valid_from,
        "valid_until": habilitation.valid_until,
        "granted_by": habilitation.granted_by,
        "granted_at": habilitation.granted_at,
        "revoked_at": habilitation.revoked_at,
        "revoked_by": habilitation.revoked_by,
    }


def substitution_read(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return row | {"running": row["valid_from"] <= now < row["valid_until"]}


@router.post(
    "/habilitations",
    status_code=status.HTTP_201_CREATED,
    response_model=HabilitationRead,
    summary="Grant a level to a person, with a scope and validity dates (recorded with who granted it)",
    dependencies=[allow(Permission.GRANT_HABILITATIONS)],
)
async def grant(
    body: HabilitationCreate,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
    response: Response,
) -> dict[str, Any]:
    now = approvals.clock.now()
    ceiling = (
        Money(amount=body.amount_ceiling.amount, currency=body.amount_ceiling.currency)
        if body.amount_ceiling
        else None
    )
    scope = Scope(frozenset(body.teams), frozenset(body.kinds), ceiling)
    wanted = Grant(
        new_id(), body.person, body.level, scope, body.valid_from or now, body.valid_until, body.reason
    )
    habilitation = await approvals.authorisations.handle(GrantHabilitation(wanted, decider, metadata))
    response.headers["Location"] = f"/habilitations?person={habilitation.person}"
    return habilitation_read(_row_of(habilitation), now)


@router.post(
    "/habilitations/{habilitation_id}/revoke",
    response_model=HabilitationRead,
    summary="Revoke a habilitation: it stops working at once",
    dependencies=[allow(Permission.GRANT_HABILITATIONS)],
)
async def revoke(
    habilitation_id: UUID,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
    body: RevocationCreate | None = None,
) -> dict[str, Any]:
    reason = body.reason if body else None
    habilitation = await approvals.authorisations.handle(
        RevokeHabilitation(habilitation_id, decider, reason, metadata)
    )
    return habilitation_read(_row_of(habilitation), approvals.clock.now())


@router.get(
    "/habilitations",
    response_model=list[HabilitationRead],
    summary="Habilitations, of one person or everyone's, oldest grant first",
    dependencies=[allow(Permission.READ_HABILITATIONS)],
)
async def list_habilitations(
    approvals: ApprovalsDep, actor: CurrentActor, person: PersonQuery = None
) -> list[dict[str, Any]]:
    scope = read_scope(actor)
    teams = None if scope.across_teams else (scope.teams if "manager" in actor.roles else frozenset())
    rows = await approvals.authorisation_views.habilitations(person, teams, actor.subject)
    now = approvals.clock.now()
    return [habilitation_read(row, now) for row in rows]


@router.post(
    "/substitutions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubstitutionRead,
    summary="Appoint a substitute for an absent approver over a date range (decisions then on their behalf)",
    dependencies=[allow(Permission.APPOINT_SUBSTITUTES)],
)
async def appoint(
    body: SubstitutionCreate,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
    response: Response,
) -> dict[str, Any]:
    command = AppointSubstitute(
        new_id(),
        body.absent,
        body.substitute,
        body.valid_from,
        body.valid_until,
        decider,
        body.reason,
        metadata,
    )
    substitution: Substitution = await approvals.authorisations.handle(command)
    response.headers["Location"] = f"/substitutions?person={substitution.absent}"
    row = {
        "substitution_id": substitution.substitution_id,
        "absent": substitution.absent,
        "substitute": substitution.substitute,
        "valid_from": substitution.valid_from,
        "valid_until": substitution.valid_until,
        "appointed_by": substitution.appointed_by,
        "appointed_at": substitution.appointed_at,
    }
    return substitution_read(row, approvals.clock.now())


@router.get(
    "/substitutions",
    response_model=list[SubstitutionRead],
    summary="Substitutions where a person is absent or substitute (everyone's: no person), oldest first",
    dependencies=[allow(Permission.READ_HABILITATIONS)],
)
async def list_substitutions(
    approvals: ApprovalsDep, actor: CurrentActor, person: PersonQuery = None
) -> list[dict[str, Any]]:
    rows = await approvals.authorisation_views.substitutions(person)
    if not read_scope(actor).across_teams and "manager" not in actor.roles:
        rows = [row for row in rows if actor.subject in (row["absent"], row["substitute"])]
    now = approvals.clock.now()
    return [substitution_read(row, now) for row in rows]
