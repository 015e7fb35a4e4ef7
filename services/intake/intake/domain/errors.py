"""Intake domain errors: each has a stable `code` for the API and a human `message`."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from intake.domain.problems import FieldProblem
from intake.domain.vocabulary import RequestAction, RequestStatus

if TYPE_CHECKING:
    from intake.domain.duplicates import DuplicateCandidate


class DomainError(Exception):
    """Base class. `code` is part of the API contract; `message` is for people."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRuleTable(DomainError):
    """A configured rule table (matrix, routing, ...) is incomplete or inconsistent."""

    code = "invalid_rule_table"


class PriorityChangeRefused(DomainError):
    """`rule` says which check refused: missing_criterion, missing_reason, insistence,
    unchanged, missing_value, invalid_value, value_unchanged, not_from_matrix."""

    code = "priority_change_refused"

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class IllegalTransition(DomainError):
    code = "illegal_transition"

    def __init__(self, current: RequestStatus, action: RequestAction) -> None:
        super().__init__(f"cannot {action.value} a request that is {current.value}")
        self.current = current
        self.action = action


class CloseRefused(DomainError):
    code = "close_refused"


class ReopenRefused(DomainError):
    code = "reopen_refused"


class TransferLimitReached(DomainError):
    code = "transfer_limit_reached"

    def __init__(self, previous_transfers: int, limit: int) -> None:
        super().__init__(
            f"request already transferred {previous_transfers} time(s); at most {limit} "
            "allowed without an exception named from the fixed list (exception_kind: "
            "wrong_routing, skill_unavailable, specialist_requested, regulatory_requirement) "
            "and documented (exception)"
        )
        self.previous_transfers = previous_transfers
        self.limit = limit


class DuplicateSuspected(DomainError):
    code = "duplicate_suspected"

    def __init__(self, candidates: "Sequence[DuplicateCandidate]") -> None:
        ids = ", ".join(c.customer_id for c in candidates)
        super().__init__(f"customer may already exist: {ids}")
        self.candidates = tuple(candidates)


class InvalidCustomer(DomainError):
    code = "invalid_customer"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        fields = ", ".join(p.field for p in problems)
        super().__init__(f"invalid customer data: {fields}")
        self.problems = tuple(problems)


class NotQualified(DomainError):
    """The request has no priority yet: qualify it before changing priority or queue rank."""

    code = "not_qualified"


class UnknownCommitment(DomainError):
    code = "unknown_commitment"


class CommitmentRefused(DomainError):
    """A commitment that is already fulfilled, or whose deadline is not after it was made."""

    code = "commitment_refused"


class CustomerDeadlineRefused(DomainError):
    """A customer deadline further ahead than the request may wait (docs/domain.md §6.4)."""

    code = "customer_deadline_refused"


class SatisfactionRefused(DomainError):
    """Satisfaction is measured once, after resolution."""

    code = "satisfaction_refused"


class EscalationRefused(DomainError):
    """No objective criterion, a reason resting on insistence, or nothing to take."""

    code = "escalation_refused"


class QueueExceptionRefused(DomainError):
    code = "queue_exception_refused"


class CustomerAlreadyMerged(DomainError):
    """A merged customer is a redirect: it is read, never changed again."""

    code = "customer_merged"


class RequestNotOpen(DomainError):
    """The request is resolved or closed: reopen it before changing how it is worked."""

    code = "request_not_open"


class AssignmentRefused(DomainError):
    """Moving a request to another team is a transfer (limited), not an assignment."""

    code = "assignment_refused"
