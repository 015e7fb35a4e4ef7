"""Ports of the SLA clock's use cases: what they need from the outside world, as Protocols.

``Clock`` is the platform's (``events.application.ports.Clock``): the only source of "now".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.envelope import Envelope, Metadata
from sla_clock.domain.clock import TimerSpec
from sla_clock.domain.request_record import RequestRecord
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.subject_requests import SubjectRequestFacts
from sla_clock.domain.timers import ArmedTimer, DueTimer, TimerRecord


@dataclass(frozen=True)
class Deadlines:
    """The due instants a request's facts are saved with, and the rules that computed them."""

    first_response_due: datetime | None
    resolution_due: datetime | None
    policy_version: int
    calendar: str


class FactsRepository(Protocol):
    """Each request's facts (its ``RequestState``) in the current transaction."""

    async def get(self, request_id: UUID) -> RequestState | None: ...

    async def save(self, state: RequestState, deadlines: Deadlines, now: datetime) -> None: ...

    async def open_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        """Ids of requests not closed, in id order after ``after`` (to go through in batches)."""
        ...

    async def clear(self) -> None:
        """Forget every request (a rebuild replays them)."""
        ...


class SubjectRequestRepository(Protocol):
    """Each data-subject request's deadline facts in the current transaction."""

    async def get(self, request_id: UUID) -> SubjectRequestFacts | None: ...

    async def save(self, facts: SubjectRequestFacts, now: datetime) -> None: ...

    async def clear(self) -> None:
        """Forget every data-subject request (a rebuild replays them)."""
        ...


class TimerStore(Protocol):
    """Durable timers in the current transaction. A timer is unique on (request, key,
    threshold, due instant): one that fired never fires again for the same due instant."""

    async def sync(self, request_id: UUID, wanted: Sequence[TimerSpec], now: datetime) -> datetime | None:
        """Make the request's armed timers ``wanted``, keeping those the facts settled
        (``settlement.settled_by_facts``) until they fire; the earliest newly armed fire
        instant, or None."""
        ...

    async def cancel_all_armed(self) -> None:
        """For a rebuild: forget armed timers; fired ones stay, so nothing is emitted twice."""
        ...

    async def claim(self, ids: Sequence[int], now: datetime) -> list[DueTimer]:
        """Lock the still armed, due timers among ``ids``, in fire order; a timer another
        transaction is firing is skipped, not waited for."""
        ...

    async def mark_fired(self, ids: Sequence[int], emitted_at: datetime) -> None: ...


class SlaStreams(Protocol):
    async def append(self, events: Mapping[UUID, Sequence[DomainEvent]]) -> None:
        """Append each stream's events after its current last version (a concurrent append to
        one of them is a ``ConcurrencyError``)."""
        ...


class Records(Protocol):
    """What the consumer's transaction offers the projection: facts and timers, committed
    with the consumer's inbox row."""

    @property
    def facts(self) -> FactsRepository: ...

    @property
    def timers(self) -> TimerStore: ...

    @property
    def subject_requests(self) -> SubjectRequestRepository: ...


class UnitOfWork(Records, Protocol):
    """One transaction of the SLA clock's own: nothing persists unless ``commit()`` ran."""

    @property
    def streams(self) -> SlaStreams: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self, metadata: Metadata) -> None: ...


class TimerSchedule(Protocol):
    async def armed_until(self, until: datetime, limit: int) -> list[ArmedTimer]:
        """Armed timers firing by ``until``, earliest first (outside any transaction)."""
        ...


class RulesStore(Protocol):
    """The policy and calendar streams."""

    async def calendars(self) -> list[CalendarDefined]: ...

    async def policies(self) -> list[SlaPolicyDefined]: ...

    async def seed(self, calendars: Sequence[CalendarDefined], policy: SlaPolicyDefined) -> bool:
        """Record the first calendars and policy on empty streams; False if another instance
        recorded them first."""
        ...

    async def define_policy(self, expected_version: int, event: SlaPolicyDefined) -> None: ...

    async def define_calendar(self, expected_version: int, event: CalendarDefined) -> None: ...


@dataclass(frozen=True)
class KpiFilter:
    start: datetime | None = None
    end: datetime | None = None
    team: str | None = None
    channel: str | None = None
    priority: str | None = None


class ReadModel(Protocol):
    """Queries over the SLA clock's read model and its request streams."""

    async def request(self, request_id: UUID) -> RequestState | None: ...

    async def timers(self, request_id: UUID) -> list[TimerRecord]:
        """The request's timers in every state, in fire order."""
        ...

    async def sla_events(self, request_id: UUID) -> list[Envelope]: ...

    async def facts_known(self, request_id: UUID, as_of: datetime) -> list[tuple[datetime, RequestState]]:
        """The request's successive facts recorded at or before ``as_of``, oldest first."""
        ...

    async def alerts(self, state: str | None, limit: int) -> list[TimerRecord]:
        """Alert and relance-reminder timers, latest first, in ``state`` if given."""
        ...

    async def received(self, where: KpiFilter) -> list[RequestRecord]: ...

    async def unresolved(self, received_before: datetime, limit: int) -> list[RequestRecord]:
        """Requests not resolved, received before the instant, oldest first."""
        ...


class Alarm(Protocol):
    def wake(self, at: datetime) -> None:
        """A timer was armed to fire at ``at``."""
        ...


class Replay(Protocol):
    def ready(self) -> bool:
        """True once there is a consumer to replay through."""
        ...

    async def restart(self) -> None:
        """Forget what was consumed and read the consumed topics again from their start."""
        ...
