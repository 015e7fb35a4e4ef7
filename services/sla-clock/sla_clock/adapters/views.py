"""``ReadModel`` over the SLA clock's tables and its request streams (read-only connections)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from events.envelope import Envelope
from events.persistence import reading
from events.store import SqlEventStore
from sla_clock.adapters.fact_history import facts_known
from sla_clock.adapters.requests import SqlFacts
from sla_clock.adapters.tables import sla_requests, sla_timers
from sla_clock.app.ports import KpiFilter
from sla_clock.domain.request_record import RequestRecord
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.streams import request_stream
from sla_clock.domain.timers import TimerRecord

_request = sla_requests.c
_timer = sla_timers.c
_RECORD = select(*(sla_requests.c[name] for name in RequestRecord.__dataclass_fields__))
_TIMER = select(*(sla_timers.c[name] for name in TimerRecord.__dataclass_fields__))
ALERT_THRESHOLDS = ("alert", "due")


class SqlReadModel:
    def __init__(self, engine: AsyncEngine, store: SqlEventStore) -> None:
        self.engine = engine
        self.store = store

    async def request(self, request_id: UUID) -> RequestState | None:
        async with reading(self.engine) as connection:
            return await SqlFacts(connection).get(request_id)

    async def timers(self, request_id: UUID) -> list[TimerRecord]:
        query = _TIMER.where(_timer.request_id == request_id).order_by(_timer.fire_at, _timer.id)
        return [TimerRecord(*row) for row in await self._rows(query)]

    async def facts_known(self, request_id: UUID, as_of: datetime) -> list[tuple[datetime, RequestState]]:
        async with reading(self.engine) as connection:
            return await facts_known(connection, request_id, as_of)

    async def sla_events(self, request_id: UUID) -> list[Envelope]:
        return await self.store.read_stream(request_stream(request_id))

    async def alerts(self, state: str | None, limit: int) -> list[TimerRecord]:
        query = _TIMER.where(_timer.threshold.in_(ALERT_THRESHOLDS))
        if state:
            query = query.where(_timer.state == state)
        query = query.order_by(_timer.fire_at.desc()).limit(limit)
        return [TimerRecord(*row) for row in await self._rows(query)]

    async def received(self, where: KpiFilter) -> list[RequestRecord]:
        query = _RECORD
        if where.start:
            query = query.where(_request.received_at >= where.start)
        if where.end:
            query = query.where(_request.received_at < where.end)
        if where.team:
            query = query.where(_request.team == where.team)
        if where.channel:
            query = query.where(_request.channel == where.channel.lower())
        if where.priority:
            query = query.where(_request.priority == where.priority.lower())
        return [RequestRecord(*row) for row in await self._rows(query)]

    async def unresolved(self, received_before: datetime, limit: int) -> list[RequestRecord]:
        query = (
            _RECORD.where(_request.resolved_at.is_(None), _request.received_at < received_before)
            .order_by(_request.received_at)
            .limit(limit)
        )
        return [RequestRecord(*row) for row in await self._rows(query)]

    async def _rows(self, query: Select[Any]) -> list[Any]:
        async with reading(self.engine) as connection:
            return list(await connection.execute(query))
