"""What the SLA clock knows about one request: facts folded from intake (and documents) events.

Only facts are kept (instants, priority, pause intervals...), never derived deadlines: those
are recomputed from the facts under the current policy and calendars (see ``clock``), so a
priority or policy change recomputes everything from ``received_at`` and a pause already
accumulated is kept, in whichever basis a target counts.

Decisions (documented here because intake leaves them to us):

* first response = the first ``RequestAcknowledged`` or outbound ``InteractionRecorded``;
  it also counts as the first update to the customer;
* an ``InteractionRecorded`` with ``informs_customer`` is a status update: it re-arms the
  next-update clock;
* awaiting the customer pauses resolution and the update cadence (not the first response);
* a reopened request counts its resolution again from the reopening, with a full target;
* until qualified, a request is treated as P3 (the least urgent priority);
* ``missing_fields`` is what intake flagged as missing at reception (``RequestReceived``),
  replaced by each ``RequestDetailsCompleted`` (which carries what is *still* missing); while
  it is not empty a collection relance schedule runs (see ``relances``). A ``RelanceSent`` of
  kind ``collection`` sent while something is missing counts as a collection relance sent
  (and any relance sent while awaiting the customer counts for that schedule);
* an outbound ``InteractionRecorded`` of kind ``relance`` (said explicitly by the agent, never
  guessed from its subject) is a relance sent, like a ``RelanceSent``: it counts for the
  customer-response schedule while awaiting the customer; the same instant recorded by both
  counts once.
* a ``RelanceSent`` of kind ``informative`` counts for the informative schedule while the
  request is unresolved, one of kind ``validation`` for the validation schedule while it is
  resolved (see ``relances``); a resolution or a reopening starts both afresh;
* an inbound ``InteractionRecorded`` or a ``CustomerReplied`` after the resolution is the
  customer's answer to it (``answered_resolution_at``): the validation schedule stops;
* a customer deadline more than ``CUSTOMER_WAIT_HORIZON`` after it was set (intake refuses
  those, docs/domain.md §6.4) is read as that horizon: an event from before the rule cannot
  push the relances out of the computable range and park the request's stream.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue import documents as doc
from events.catalogue import intake as ev

from .instants import from_us, to_us, to_utc

COLLECTION = "collection"
INFORMATIVE = "informative"
VALIDATION = "validation"
RELANCE = "relance"
"""``InteractionRecorded.kind`` of a follow-up sent to the customer."""
CUSTOMER_WAIT_HORIZON = timedelta(days=365)
"""The furthest a customer deadline counts after it was set (docs/domain.md §6.4)."""
OUTBOUND = frozenset({"outbound", "out", "outgoing", "to_customer"})


@dataclass(frozen=True)
class Commitment:
    commitment_id: UUID
    deliverable: str
    made_at: datetime
    due_at: datetime
    fulfilled_at: datetime | None = None


@dataclass(frozen=True)
class RequestState:
    request_id: UUID
    received_at: datetime
    channel: str
    reference: str = ""
    priority: str | None = None  # intake's "p1".."p3"; None until qualified
    profile: str | None = None
    team: str | None = None
    status: str = "open"  # open | in_progress | waiting | resolved | closed
    resolution_start: datetime | None = None  # received_at, or the last reopening
    pauses: tuple[tuple[datetime, datetime], ...] = ()  # closed pauses since resolution_start
    paused_since: datetime | None = None
    first_response_at: datetime | None = None
    last_update_at: datetime | None = None
    last_activity_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_count: int = 0
    escalated: bool = False
    escalated_at: datetime | None = None  # the open escalation, None once taken
    interactions: int = 0
    first_contact: bool | None = None
    csat: float | None = None
    nps: int | None = None
    commitments: tuple[Commitment, ...] = ()
    customer_due_at: datetime | None = None
    relances_sent: tuple[datetime, ...] = ()
    missing_fields: tuple[str, ...] = ()
    collection_relances_sent: tuple[datetime, ...] = ()
    informative_relances_sent: tuple[datetime, ...] = ()
    validation_relances_sent: tuple[datetime, ...] = ()
    answered_resolution_at: datetime | None = None

    @property
    def count_start(self) -> datetime:
        return self.resolution_start or self.received_at

    @property
    def open_commitments(self) -> tuple[Commitment, ...]:
        return tuple(c for c in self.commitments if c.fulfilled_at is None)


def _respond(state: RequestState, at: datetime) -> RequestState:
    if state.first_response_at is not None:
        return state
    return replace(state, first_response_at=at, last_update_at=state.last_update_at or at)


def _end_pause(state: RequestState, at: datetime) -> RequestState:
    if state.paused_since is None:
        return state
    pause = (state.paused_since, max(at, state.paused_since))
    return replace(
        state, pauses=state.pauses + (pause,), paused_since=None, customer_due_at=None, relances_sent=()
    )


def _customer_deadline(due: datetime, set_at: datetime) -> datetime:
    """``due`` in UTC, at most ``CUSTOMER_WAIT_HORIZON`` after ``set_at`` (compared as integers:
    year 9999 in UTC-14 does not fit a datetime once in UTC)."""
    return from_us(min(to_us(due), to_us(set_at + CUSTOMER_WAIT_HORIZON)))


def _apply(state: RequestState, event: DomainEvent) -> RequestState:
    match event:
        case ev.RequestAcknowledged(at=at):
            return _respond(state, to_utc(at))
        case ev.RequestQualified(priority=priority, profile=profile):
            return replace(state, priority=priority.lower(), profile=profile)
        case ev.PriorityChanged(new=new):
            return replace(state, priority=new.lower())
        case ev.RequestAssigned(team=team):
            return replace(state, team=team)
        case ev.RequestTransferred(to_team=team):
            return replace(state, team=team)
        case ev.WorkStarted():
            return replace(state, status="in_progress") if state.status == "open" else state
        case ev.InteractionRecorded(occurred_at=at, direction=direction, informs_customer=informs, kind=kind):
            at = to_utc(at)
            if state.resolved_at is None:
                state = replace(state, interactions=state.interactions + 1)
            if direction.lower() in OUTBOUND or informs:
                state = _respond(state, at)
            if kind == RELANCE and direction.lower() in OUTBOUND:
                state = _count_relance(state, at, kind=None)
            if direction.lower() not in OUTBOUND:
                state = _answered_resolution(state, at)
            return replace(state, last_update_at=at) if informs else state
        case ev.CommitmentMade(commitment_id=cid, deliverable=what, due_at=due, made_at=made):
            kept = tuple(c for c in state.commitments if c.commitment_id != cid)
            return replace(state, commitments=kept + (Commitment(cid, what, to_utc(made), to_utc(due)),))
        case ev.CommitmentFulfilled(commitment_id=cid, at=at):
            return replace(
                state,
                commitments=tuple(
                    replace(c, fulfilled_at=to_utc(at)) if c.commitment_id == cid else c
                    for c in state.commitments
                ),
            )
        case ev.AwaitingCustomer(at=at, customer_due_at=due):
            state = _end_pause(state, to_utc(at))
            return replace(
                state,
                status="waiting",
                paused_since=to_utc(at),
                customer_due_at=None if due is None else _customer_deadline(due, to_utc(at)),
            )
        case ev.CustomerReplied(at=at):
            state = _answered_resolution(state, to_utc(at))
            return replace(_end_pause(state, to_utc(at)), status="in_progress")
        case ev.RequestEscalated(at=at):
            return replace(state, escalated=True, escalated_at=to_utc(at))
        case ev.EscalationTaken():
            return replace(state, escalated_at=None)
        case ev.RequestResolved(at=at, first_contact=first_contact):
            state = _end_pause(state, to_utc(at))
            return replace(
                state,
                status="resolved",
                resolved_at=to_utc(at),
                first_contact=first_contact,
                validation_relances_sent=(),
                answered_resolution_at=None,
            )
        case ev.RequestClosed(at=at):
            state = _end_pause(state, to_utc(at))
            return replace(
                state, status="closed", closed_at=to_utc(at), resolved_at=state.resolved_at or to_utc(at)
            )
        case ev.RequestReopened(at=at):
            return replace(
                state,
                status="in_progress",
                resolved_at=None,
                closed_at=None,
                reopened_count=state.reopened_count + 1,
                resolution_start=to_utc(at),
                pauses=(),
                paused_since=None,
                first_contact=False,
                informative_relances_sent=(),
                validation_relances_sent=(),
                answered_resolution_at=None,
            )
        case ev.SatisfactionRecorded(csat=csat, nps=nps):
            return replace(
                state, csat=state.csat if csat is None else float(csat), nps=state.nps if nps is None else nps
            )
        case ev.RequestDetailsCompleted(missing_fields=still_missing):
            return replace(state, missing_fields=tuple(still_missing))
        case doc.RelanceSent():
            return _relance_sent(state, event)
    return state


def _relance_sent(state: RequestState, event: doc.RelanceSent) -> RequestState:
    return _count_relance(state, to_utc(event.sent_at), event.kind.lower())


def _count_relance(state: RequestState, at: datetime, kind: str | None) -> RequestState:
    """A relance sent at ``at`` (documents' ``RelanceSent`` of ``kind``, or an interaction
    recorded as a relance, which names no kind): it counts for the customer-response schedule
    while awaiting the customer, and for the collection schedule when it is of kind collection.
    The same instant counts once, whichever of the two recorded it."""
    if state.paused_since is not None and at not in state.relances_sent:
        state = replace(state, relances_sent=state.relances_sent + (at,))
    if state.missing_fields and kind == COLLECTION and at not in state.collection_relances_sent:
        state = replace(state, collection_relances_sent=state.collection_relances_sent + (at,))
    if kind == INFORMATIVE and state.resolved_at is None and at not in state.informative_relances_sent:
        state = replace(state, informative_relances_sent=state.informative_relances_sent + (at,))
    if kind == VALIDATION and state.resolved_at is not None and at not in state.validation_relances_sent:
        state = replace(state, validation_relances_sent=state.validation_relances_sent + (at,))
    return state


def _answered_resolution(state: RequestState, at: datetime) -> RequestState:
    """The customer wrote after the resolution (the first time counts)."""
    if state.resolved_at is None or state.answered_resolution_at is not None or at < state.resolved_at:
        return state
    return replace(state, answered_resolution_at=at)


def event_time(event: DomainEvent) -> datetime | None:
    for name in ("at", "occurred_at", "made_at", "sent_at", "received_at"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return to_utc(value)
    return None


def evolve(state: RequestState | None, event: DomainEvent) -> RequestState | None:
    """The state after ``event``; None while the request's ``RequestReceived`` is unknown."""
    if isinstance(event, ev.RequestReceived):
        if state is not None:
            return state
        received = to_utc(event.received_at)
        return RequestState(
            event.request_id,
            received,
            event.channel.lower(),
            event.reference,
            resolution_start=received,
            last_activity_at=received,
            missing_fields=tuple(event.missing_fields),
        )
    if state is None:
        return None
    new = _apply(state, event)
    at = event_time(event)
    if at is not None and (new.last_activity_at is None or at > new.last_activity_at):
        new = replace(new, last_activity_at=at)
    return new
