"""Parked streams, for operations: what a consumer could not handle, and its release.

A consumer parks an event it cannot handle, and every later event of the same stream behind
it (:mod:`events.consumer`). ``GET /parked`` lists the parked streams with the reason and the
first event; once the cause is fixed, ``POST /parked/{stream_id}/release`` replays them in
order. Both are for the ``ops`` role only; the kit mounts them on every service that consumes.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from events.consumer import Consumer
from events.service.access import AccessPolicy, described_route, only
from events.service.http import problem_route
from events.service.problems import Problem

__all__ = ["POLICY", "ParkedEvent", "ParkedStream", "Release", "router"]

READ_PARKED = "platform:read-parked"
RELEASE_PARKED = "platform:release-parked"
POLICY = AccessPolicy(
    {
        READ_PARKED: only("ops", note="Parked events may carry personal data."),
        RELEASE_PARKED: only("ops", note="Release once the cause is fixed: the events are handled again."),
    }
)

router = APIRouter(tags=["operations"], route_class=described_route(problem_route()))


class ParkedEvent(BaseModel):
    event_id: str | None
    type: str | None = Field(description="The event type; null for a record that is no event.")
    position: int | None = Field(description="Its position in its topic's store, when known.")
    parked_at: datetime


class ParkedStream(BaseModel):
    stream_id: str
    reason: str = Field(description="Why the first event was parked; the later ones wait behind it.")
    first_event: ParkedEvent
    events: int = Field(description="Parked events of this stream, the first included.")


class Release(BaseModel):
    stream_id: str
    released: int = Field(description="Events replayed, in order.")
    outcomes: dict[str, int] = Field(description="How many were processed, ignored or parked again.")
    still_parked: bool = Field(description="True when an event failed again: the stream stays parked.")


def _consumer(request: Request) -> Consumer:
    consumer = getattr(request.app.state.runtime, "consumer", None)
    if consumer is None:
        raise Problem(503, "not-ready", "The consumer is not running yet")
    return consumer


def _event(row: dict[str, Any]) -> ParkedEvent:
    message = row["message"] if isinstance(row["message"], dict) else {}
    return ParkedEvent(
        event_id=row["event_id"],
        type=message.get("type"),
        position=message.get("position"),
        parked_at=row["parked_at"],
    )


def parked_streams(rows: list[dict[str, Any]]) -> list[ParkedStream]:
    """The rows of ``Consumer.parked`` (oldest first) grouped by stream, first parked first."""
    streams: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        streams.setdefault(row["stream_key"], []).append(row)
    return [
        ParkedStream(stream_id=key, reason=group[0]["error"], first_event=_event(group[0]), events=len(group))
        for key, group in streams.items()
    ]


@router.get("/parked", summary="Streams whose events this service's consumer parked")
async def list_parked(request: Request, _: Any = POLICY.allow(READ_PARKED)) -> list[ParkedStream]:
    return parked_streams(await _consumer(request).parked())


@router.post("/parked/{stream_id}/release", summary="Replay a parked stream's events, in order")
async def release_parked(stream_id: UUID, request: Request, _: Any = POLICY.allow(RELEASE_PARKED)) -> Release:
    consumer = _consumer(request)
    key = str(stream_id)
    if not await consumer.parked(key):
        raise Problem(404, "not-found", "Nothing parked", f"no event of stream {key} is parked")
    outcomes = await consumer.release(key)
    return Release(
        stream_id=key,
        released=len(outcomes),
        outcomes=dict(Counter(outcome.value for outcome in outcomes)),
        still_parked=bool(await consumer.parked(key)),
    )
