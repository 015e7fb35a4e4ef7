"""Which team each request belongs to, from intake's events: documents are read on need-to-know,
as intake reads its requests (``events.service.access.ReadScope``): a document follows its
request's team; one whose request no team owns (or documents has not heard of) is everyone's,
as intake's shared inbox is."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from documents.adapters.tables import request_teams
from events.catalogue import DomainEvent
from events.catalogue import intake as i
from events.consumer import Handler
from events.envelope import Envelope
from events.persistence import upsert
from events.service.access import ReadScope

__all__ = ["in_scope", "request_team_handlers"]


async def record_request_team(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    if isinstance(event, i.RequestAssigned):
        team = event.team
    else:
        assert isinstance(event, i.RequestTransferred)
        team = event.to_team
    await upsert(connection, request_teams, {"request_id": event.request_id, "team": team}, ["request_id"])


def request_team_handlers() -> dict[str, Handler]:
    return {kind.event_type: record_request_team for kind in (i.RequestAssigned, i.RequestTransferred)}


def in_scope(scope: ReadScope) -> ColumnElement[bool] | None:
    """The condition on ``documents`` (outer-joined to ``request_teams``) of the documents
    ``scope`` reads; None when it reads every team's."""
    if scope.teams is None:
        return None
    return or_(request_teams.c.team.is_(None), request_teams.c.team.in_(sorted(scope.teams)))
