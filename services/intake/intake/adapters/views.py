"""Read side: queries over the projections and the event streams (no command goes through here)."""

import base64
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from events.envelope import Envelope
from events.persistence import reading
from events.service.access import ReadScope
from events.store import SqlEventStore
from events.vocabulary import Priority
from intake.adapters.approvals import approval_envelopes
from intake.adapters.projection import request_row, utc
from intake.adapters.tables import customers, requests
from intake.domain.queue import QueueEntry, order_queue
from intake.domain.request import ServiceRequest
from intake.domain.text import fold
from intake.domain.vocabulary import QueueException, RequestStatus

#: Waiting to be served by us: awaiting the customer is not in our queue (the ball is theirs).
QUEUED_STATUSES = (
    RequestStatus.RECEIVED,
    RequestStatus.ACKNOWLEDGED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.CUSTOMER_REPLIED,
)


class BadCursor(ValueError):
    """The cursor was not produced by this API."""


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([str(v) for v in values])).decode()


def decode_cursor(cursor: str) -> list[str]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError) as error:
        raise BadCursor("not a cursor returned by this API") from error
    if not isinstance(values, list) or len(values) != 2 or not all(isinstance(v, str) for v in values):
        raise BadCursor("not a cursor returned by this API")
    return values


def aware(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite returns naive datetimes: they were stored in UTC."""
    return {
        k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        for k, v in row.items()
    }


@dataclass(frozen=True)
class RequestFilters:
    status: tuple[RequestStatus, ...] = ()
    priority: tuple[Priority, ...] = ()
    channel: tuple[str, ...] = ()
    team: str | None = None
    agent: str | None = None
    customer_id: UUID | None = None
    """Also matches the requests of the records merged into this customer, at any depth."""
    flagged: bool | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    scope: ReadScope | None = None
    """Need-to-know: only the requests of these teams (None: no restriction)."""


class IntakeViews:
    #: Rows handed over by `created` and not yet taken (a creation whose response was never sent).
    CREATED_KEPT = 1000

    def __init__(self, engine: AsyncEngine, store: SqlEventStore) -> None:
        self.engine, self.store = engine, store
        self._created: OrderedDict[UUID, dict[str, Any]] = OrderedDict()

    def created(self, row: dict[str, Any]) -> None:
        """The read-model row of a request this process has just created, once committed."""
        self._created[row["request_id"]] = row
        while len(self._created) > self.CREATED_KEPT:
            self._created.popitem(last=False)

    async def created_request(self, request_id: UUID) -> dict[str, Any] | None:
        """The request as its creation committed it, if this process created it and nobody
        took that row yet (the creation's response: no read back); otherwise as stored now."""
        row = self._created.pop(request_id, None)
        return row if row is not None else await self.request(request_id)

    async def _rows(self, statement: Select[Any]) -> list[dict[str, Any]]:
        async with reading(self.engine) as connection:
            return [aware(dict(row._mapping)) for row in await connection.execute(statement)]

    async def request(self, request_id: UUID) -> dict[str, Any] | None:
        rows = await self._rows(select(requests).where(requests.c.request_id == request_id))
        return rows[0] if rows else None

    async def requests(
        self, filters: RequestFilters, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest arrival first; `cursor` continues after the last row of the previous page."""
        t, f = requests.c, filters
        conditions = [
            t.status.in_([s.value for s in f.status]) if f.status else None,
            t.priority.in_([p.value for p in f.priority]) if f.priority else None,
            t.channel.in_(list(f.channel)) if f.channel else None,
            t.team == f.team if f.team else None,
            t.agent == f.agent if f.agent else None,
            _of_customer(t.customer_id, f.customer_id) if f.customer_id else None,
            t.flagged.is_(f.flagged) if f.flagged is not None else None,
            t.received_at >= f.received_from.astimezone(UTC) if f.received_from else None,
            t.received_at < f.received_to.astimezone(UTC) if f.received_to else None,
            _in_teams(f.scope) if f.scope else None,
        ]
        if cursor:
            at, last_id = decode_cursor(cursor)
            try:
                at_time, after_id = datetime.fromisoformat(at).astimezone(UTC), UUID(last_id)
            except ValueError as error:
                raise BadCursor("not a cursor returned by this API") from error
            conditions.append(
                or_(t.received_at < at_time, and_(t.received_at == at_time, t.request_id < after_id))
            )
        statement = (
            select(requests)
            .where(*[c for c in conditions if c is not None])
            .order_by(t.received_at.desc(), t.request_id.desc())
            .limit(limit + 1)
        )
        rows = await self._rows(statement)
        more = len(rows) > limit
        rows = rows[:limit]
        if not more:
            return rows, None
        return rows, encode_cursor(rows[-1]["received_at"].isoformat(), rows[-1]["request_id"])

    async def queue(
        self, team: str | None, agent: str | None, limit: int, scope: ReadScope | None = None
    ) -> list[dict[str, Any]]:
        """Requests waiting for us, in serving order (`domain.queue`): priority, then documented
        exceptions, then arrival. Not yet qualified counts as P3. `scope`: need-to-know."""
        t = requests.c
        statement = select(requests).where(t.status.in_([s.value for s in QUEUED_STATUSES]))
        if scope is not None and (in_teams := _in_teams(scope)) is not None:
            statement = statement.where(in_teams)
        if team:
            statement = statement.where(t.team == team)
        if agent:
            statement = statement.where(t.agent == agent)
        rows = {str(row["request_id"]): row for row in await self._rows(statement)}
        entries = order_queue(
            QueueEntry(
                key,
                Priority(row["priority"] or Priority.P3),
                row["received_at"],
                QueueException(row["queue_exception"]) if row["queue_exception"] else None,
            )
            for key, row in rows.items()
        )
        return [rows[entry.request_id] for entry in entries[:limit]]

    async def stream(self, stream_id: UUID, stream_type: str) -> list[Envelope] | None:
        envelopes = await self.store.read_stream(stream_id)
        if not envelopes or envelopes[0].stream_type != stream_type:
            return None
        return envelopes

    async def approvals(self, request_id: UUID, as_of: datetime | None = None) -> list[Envelope]:
        """The approvals' events of the request (consumed from approvals), oldest first."""
        return await approval_envelopes(self.engine, self.store, request_id, as_of)

    async def stream_as_of(self, stream_id: UUID, stream_type: str, as_of: datetime) -> list[Envelope] | None:
        """The stream's events recorded at or before ``as_of`` (what the system knew then);
        None if it had none yet."""
        envelopes = await self.stream(stream_id, stream_type)
        known = [e for e in envelopes or () if e.recorded_at is not None and e.recorded_at <= as_of]
        return known or None

    async def request_as_of(self, request_id: UUID, as_of: datetime) -> dict[str, Any] | None:
        """The request's read-model row as its projection wrote it from the events known at
        ``as_of``: the stream folded up to then; ``recorded_at`` and ``updated_at`` are the
        recorded times of its first and last events."""
        known = await self.stream_as_of(request_id, "request", as_of)
        if known is None:
            return None
        first, last = known[0].recorded_at, known[-1].recorded_at
        assert first is not None and last is not None  # stored events carry their recorded time
        return request_row(ServiceRequest.rebuild(request_id, known), last) | {"recorded_at": utc(first)}

    async def customer(self, customer_id: UUID, scope: ReadScope | None = None) -> dict[str, Any] | None:
        """The customer's row; None if unknown or outside `scope` (need-to-know)."""
        conditions = [customers.c.customer_id == customer_id]
        if scope is not None and (reachable := _reachable_customers(scope)) is not None:
            conditions.append(reachable)
        rows = await self._rows(select(customers).where(*conditions))
        if not rows:
            return None
        merged = await self._rows(
            select(customers.c.customer_id)
            .where(customers.c.merged_into == customer_id)
            .order_by(customers.c.updated_at, customers.c.customer_id)
        )  # merge order
        return rows[0] | {"merged_ids": [row["customer_id"] for row in merged]}

    async def customer_streams(self, customer_id: UUID) -> list[UUID] | None:
        """The customer's streams: their record, the records merged into it (through chains
        of merges), then their requests' (oldest first); None if the customer is unknown."""
        if not await self._rows(
            select(customers.c.customer_id).where(customers.c.customer_id == customer_id)
        ):
            return None
        records = await self._rows(
            select(customers.c.customer_id)
            .where(_of_customer(customers.c.customer_id, customer_id))
            .order_by(customers.c.created_at, customers.c.customer_id)
        )
        owned = await self._rows(
            select(requests.c.request_id)
            .where(_of_customer(requests.c.customer_id, customer_id))
            .order_by(requests.c.recorded_at, requests.c.request_id)
        )
        merged = [row["customer_id"] for row in records if row["customer_id"] != customer_id]
        return [customer_id, *merged, *(row["request_id"] for row in owned)]

    async def customers(
        self,
        q: str | None,
        email: str | None,
        phone: str | None,
        include_merged: bool,
        cursor: str | None,
        limit: int,
        scope: ReadScope | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Search by folded name/company words, exact email or E.164 phone; ordered by id.
        `scope`: only the customers the caller may read (need-to-know)."""
        t = customers.c
        conditions: list[ColumnElement[bool]] = [] if include_merged else [t.merged_into.is_(None)]
        if scope is not None and (reachable := _reachable_customers(scope)) is not None:
            conditions.append(reachable)
        for word in fold(q or "").split():
            conditions.append(t.search_name.contains(word, autoescape=True))
        if email:
            conditions.append(t.email == email)
        if phone:
            conditions.append(t.phone == phone)
        if cursor:
            conditions.append(t.customer_id > _uuid_cursor(cursor))
        rows = await self._rows(select(customers).where(*conditions).order_by(t.customer_id).limit(limit + 1))
        more = len(rows) > limit
        rows = [row | {"merged_ids": []} for row in rows[:limit]]
        return rows, (encode_cursor("customer", rows[-1]["customer_id"]) if more else None)


def _in_teams(scope: ReadScope) -> ColumnElement[bool] | None:
    """Requests of the scope's teams, and those no team owns yet (the shared inbox)."""
    if scope.teams is None:
        return None
    return or_(requests.c.team.in_(sorted(scope.teams)), requests.c.team.is_(None))


def _reachable_customers(scope: ReadScope) -> ColumnElement[bool] | None:
    """Customers linked to a request within `scope`, directly or as the survivor of a record
    that is (one merge deep); every customer for a scope over all personal data."""
    if scope.all_personal_data:
        return None
    linked = select(requests.c.customer_id).where(requests.c.customer_id.is_not(None))
    if (in_teams := _in_teams(scope)) is not None:
        linked = linked.where(in_teams)
    survivors = select(customers.c.merged_into).where(customers.c.customer_id.in_(linked))
    return or_(customers.c.customer_id.in_(linked), customers.c.customer_id.in_(survivors))


def _of_customer(column: Any, customer_id: UUID) -> Any:
    """`column` names this customer or a record merged into it, directly or through a chain of
    merges (A into B, then B into C: C's requests include A's). A recursive query over the
    customers read model: merges cannot loop (a merged record is never a survivor)."""
    c = customers.c
    absorbed = select(c.customer_id).where(c.merged_into == customer_id).cte("absorbed", recursive=True)
    absorbed = absorbed.union(select(c.customer_id).where(c.merged_into == absorbed.c.customer_id))
    return or_(column == customer_id, column.in_(select(absorbed.c.customer_id)))


def _uuid_cursor(cursor: str) -> UUID:
    kind, value = decode_cursor(cursor)
    try:
        if kind != "customer":
            raise ValueError(kind)
        return UUID(value)
    except ValueError as error:
        raise BadCursor("not a cursor returned by this API") from error


def is_obsolete(contract_end: date | None, today: date) -> bool:
    return contract_end is not None and contract_end < today
