"""Retention's domain refusals; ``entrypoints.problems`` gives each its HTTP status."""

from __future__ import annotations


class RetentionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyRefused(RetentionError):
    """A period outside the law's bounds, or an incomplete policy (422, naming the category)."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(message)
        self.category = category


class RequestRefused(RetentionError):
    """A data-subject request step not allowed in the request's state (409)."""

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class IdentityNotVerified(RetentionError):
    """Data disclosed or erased before the person's identity was verified (409)."""


class UnknownSubject(RetentionError):
    """The request names no subject retention knows of (422)."""


class AlreadyErased(RetentionError):
    """A second erasure of the same subject (409)."""


class HoldRefused(RetentionError):
    """A hold placed twice, or lifted where there is none (409)."""
