"""Approvals domain errors: each has a stable ``code`` for the API and a human ``message``;
``field`` names the input at fault when there is one."""

from typing import ClassVar


class ApprovalError(Exception):
    code: ClassVar[str] = "approval_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidSubmission(ApprovalError):
    """Unknown kind, a negative or unknown-currency amount, a malformed content hash..."""

    code = "invalid_submission"


class InvalidRules(ApprovalError):
    """A rules table that cannot decide every case (unknown level, missing circuit...)."""

    code = "invalid_rules"


class ApprovalClosed(ApprovalError):
    """The approval is no longer pending: validated, rejected, withdrawn or expired."""

    code = "approval_closed"

    def __init__(self, status: str) -> None:
        super().__init__(f"the approval is {status}: no decision can change it", None)
        self.status = status


class FourEyesViolation(ApprovalError):
    """The author approving their own content, or one person approving twice in a sequence."""

    code = "four_eyes"


class DecisionRefused(ApprovalError):
    """The decider lacks the right: ``missing`` names it (``approvals:decide-level-3``...)."""

    code = "decision_refused"

    def __init__(self, message: str, missing: str) -> None:
        super().__init__(message, None)
        self.missing = missing


class AlreadySubmitted(ApprovalError):
    """This exact content is already pending or validated for this request."""

    code = "already_submitted"

    def __init__(self, approval_id: str) -> None:
        super().__init__(f"this content is already submitted for this request (approval {approval_id})")
        self.approval_id = approval_id
