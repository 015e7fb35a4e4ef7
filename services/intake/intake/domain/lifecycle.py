"""The request state machine and its closing and reopening rules (docs/domain.md §1.1, §10).

Closing needs the customer's confirmation, or the documented no-answer timeout counted in
calendar days from resolution (docs/domain.md §10.2).
A request waiting on the customer cannot be closed directly: the agent resolves it (or
escalates) first, so a closure always follows a recorded resolution.

Reopening leads back to IN_PROGRESS. A resolved request can always be reopened; a closed
one only within `reopen_window` of its closure (default 30 days, an assumption to be
confirmed per organisation), after which a new request referencing the old one is opened.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from intake.domain.errors import CloseRefused, IllegalTransition, ReopenRefused
from intake.domain.vocabulary import CloseReason, RequestAction, RequestStatus

S, A = RequestStatus, RequestAction

TRANSITIONS: Mapping[RequestStatus, Mapping[RequestAction, RequestStatus]] = MappingProxyType(
    {
        S.RECEIVED: {A.ACKNOWLEDGE: S.ACKNOWLEDGED},
        S.ACKNOWLEDGED: {
            A.START: S.IN_PROGRESS,
            A.ASK_CUSTOMER: S.AWAITING_CUSTOMER,
            # first-contact resolution (docs/domain.md §10.1; FCR target §14.2) skips IN_PROGRESS
            A.RESOLVE: S.RESOLVED,
        },
        S.IN_PROGRESS: {A.ASK_CUSTOMER: S.AWAITING_CUSTOMER, A.RESOLVE: S.RESOLVED},
        S.AWAITING_CUSTOMER: {A.RECEIVE_REPLY: S.CUSTOMER_REPLIED, A.RESUME: S.IN_PROGRESS},
        S.CUSTOMER_REPLIED: {
            A.RESUME: S.IN_PROGRESS,
            A.ASK_CUSTOMER: S.AWAITING_CUSTOMER,
            A.RESOLVE: S.RESOLVED,
        },
        S.RESOLVED: {A.CLOSE: S.CLOSED, A.REOPEN: S.IN_PROGRESS},
        S.CLOSED: {A.REOPEN: S.IN_PROGRESS},
    }
)

#: The SLA clock is paused while the ball is in the customer's court.
SLA_PAUSED_STATUSES = frozenset({S.AWAITING_CUSTOMER})
#: Statuses in which the request still needs work from us or the customer.
OPEN_STATUSES = frozenset(S) - {S.RESOLVED, S.CLOSED}

DEFAULT_NO_ANSWER_TIMEOUT = timedelta(days=10)
DEFAULT_REOPEN_WINDOW = timedelta(days=30)


def allowed_actions(current: RequestStatus) -> frozenset[RequestAction]:
    return frozenset(TRANSITIONS[current])


def transition(current: RequestStatus, action: RequestAction) -> RequestStatus:
    """The status after `action`, or `IllegalTransition`. Guards (`ClosingPolicy`) are
    checked separately because they need facts the table does not hold."""
    try:
        return TRANSITIONS[current][action]
    except KeyError:
        raise IllegalTransition(current, action) from None


@dataclass(frozen=True, slots=True)
class ClosingPolicy:
    """When a request may be closed or reopened; both durations are per organisation."""

    no_answer_timeout: timedelta = DEFAULT_NO_ANSWER_TIMEOUT
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW

    def close_decision(
        self,
        status: RequestStatus,
        customer_confirmed: bool,
        resolved_at: datetime | None,
        now: datetime,
    ) -> CloseReason | str:
        """The reason closing is allowed (a `CloseReason`, as recorded in `RequestClosed`),
        or a plain message saying why it is refused."""
        if status is not S.RESOLVED:
            return f"only a resolved request can be closed (this one is {status.value})"
        if customer_confirmed:
            return CloseReason.CUSTOMER_CONFIRMED
        if resolved_at is None:
            return "resolution date unknown: closing needs the customer's confirmation"
        if now - resolved_at < self.no_answer_timeout:
            return (
                "the customer has not confirmed the resolution and the no-answer timeout "
                f"({self.no_answer_timeout.days} days) has not elapsed"
            )
        return CloseReason.NO_ANSWER_TIMEOUT

    def reopen_refusal(self, status: RequestStatus, closed_at: datetime | None, now: datetime) -> str | None:
        """Why reopening is refused, or None when it is allowed."""
        if status is S.RESOLVED:
            return None
        if status is not S.CLOSED:
            return f"only a resolved or closed request can be reopened (this one is {status.value})"
        if closed_at is None or now - closed_at > self.reopen_window:
            return (
                f"closed more than {self.reopen_window.days} days ago: open a new request "
                "that references this one"
            )
        return None


DEFAULT_CLOSING_POLICY = ClosingPolicy()


def can_close(
    status: RequestStatus,
    customer_confirmed: bool,
    resolved_at: datetime | None,
    now: datetime,
    no_answer_timeout: timedelta = DEFAULT_NO_ANSWER_TIMEOUT,
) -> bool:
    policy = ClosingPolicy(no_answer_timeout=no_answer_timeout)
    decision = policy.close_decision(status, customer_confirmed, resolved_at, now)
    return isinstance(decision, CloseReason)


def ensure_can_close(
    status: RequestStatus,
    customer_confirmed: bool,
    resolved_at: datetime | None,
    now: datetime,
    policy: ClosingPolicy = DEFAULT_CLOSING_POLICY,
) -> CloseReason:
    """The `CloseReason` to record, or `CloseRefused`."""
    decision = policy.close_decision(status, customer_confirmed, resolved_at, now)
    if not isinstance(decision, CloseReason):
        raise CloseRefused(decision)
    return decision


def can_reopen(
    status: RequestStatus,
    closed_at: datetime | None,
    now: datetime,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> bool:
    policy = ClosingPolicy(reopen_window=reopen_window)
    return policy.reopen_refusal(status, closed_at, now) is None


def ensure_can_reopen(
    status: RequestStatus,
    closed_at: datetime | None,
    now: datetime,
    policy: ClosingPolicy = DEFAULT_CLOSING_POLICY,
) -> None:
    refusal = policy.reopen_refusal(status, closed_at, now)
    if refusal is not None:
        raise ReopenRefused(refusal)
