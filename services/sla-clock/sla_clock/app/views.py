"""Read-side queries: a request's deadlines explained, and the alerts list."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from events.db import reading
from events.store import SqlEventStore
from sla_clock.adapters.requests import load_state
from sla_clock.adapters.tables import sla_timers
from sla_clock.adapters.timers import timers_of
from sla_clock.app.rules import request_stream
from sla_clock.domain.state_codec import encode


def _timer_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "threshold": row["threshold"],
        "fire_at": row["fire_at"].isoformat(),
        "state": row["state"],
        "emitted_at": row["emitted_at"].isoformat() if row["emitted_at"] else None,
    }


async def explain_request(store: SqlEventStore, request_id: UUID) -> dict[str, Any] | None:
    """Each deadline (current and superseded), how it was computed, and its SLA events."""
    async with reading(store.engine) as connection:
        state = await load_state(connection, request_id)
        rows = await timers_of(connection, request_id)
    if state is None:
        return None
    deadlines: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = deadlines.setdefault(
            (row["key"], row["due_at"].isoformat()),
            {
                "kind": row["key"],
                "due_at": row["due_at"].isoformat(),
                "computed": row["explanation"],
                "thresholds": [],
            },
        )
        entry["thresholds"].append(_timer_json(row))
    for entry in deadlines.values():
        states = {t["state"] for t in entry["thresholds"]}
        entry["status"] = (
            "superseded" if states == {"cancelled"} else ("active" if "armed" in states else "done")
        )
    events = [
        {"type": e.type, "event_id": str(e.id), "version": e.stream_version, "data": e.data}
        for e in await store.read_stream(request_stream(request_id))
    ]
    return {
        "request_id": str(request_id),
        "facts": encode(state),
        "deadlines": list(deadlines.values()),
        "events": events,
    }


async def list_alerts(engine: AsyncEngine, state: str | None, limit: int) -> list[dict[str, Any]]:
    """Alerts and relance reminders: ``state`` armed (upcoming), fired (raised) or cancelled."""
    query = select(sla_timers).where(sla_timers.c.threshold.in_(("alert", "due")))
    if state:
        query = query.where(sla_timers.c.state == state)
    query = query.order_by(sla_timers.c.fire_at.desc()).limit(limit)
    async with reading(engine) as connection:
        rows = [dict(row._mapping) for row in await connection.execute(query)]
    return [
        {
            "request_id": str(r["request_id"]),
            "alert": r["key"],
            "state": r["state"],
            "due_at": r["due_at"].isoformat(),
            "emitted_at": r["emitted_at"].isoformat() if r["emitted_at"] else None,
        }
        for r in rows
    ]
