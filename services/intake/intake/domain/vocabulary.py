"""The intake vocabulary: closed sets of words shared by rules, events and the API.

Values are lowercase strings because they end up in events and JSON; renaming a value is
an event-schema change, adding one is not. ``Channel`` and ``Priority``, which other
contexts read in intake's events too, live in ``events.vocabulary``.
"""

from enum import StrEnum


class CustomerProfile(StrEnum):
    """Customer segment; drives mandatory fields and tone, never priority (docs/domain.md §2.1)."""

    B2B = "b2b"
    B2C = "b2c"
    PUBLIC_SERVICE = "public_service"
    STRATEGIC = "strategic"


class Impact(StrEnum):
    """How much of the customer's service is hurt, from worst to mildest (docs/domain.md §3.1)."""

    CRITICAL = "critical"
    """Service unavailable, wide impact (many users or a whole site)."""
    HIGH = "high"
    """A major function is degraded."""
    MEDIUM = "medium"
    """A secondary function is degraded, or few users are affected."""
    LOW = "low"
    """Minor inconvenience or a plain question."""


class Urgency(StrEnum):
    """How soon the impact turns into real damage for the customer."""

    HIGH = "high"
    """Damage is happening now or within hours (confirmed critical deadline)."""
    MEDIUM = "medium"
    """Damage within days."""
    LOW = "low"
    """No deadline at stake."""


class Workaround(StrEnum):
    """Whether the customer can keep working meanwhile."""

    NONE = "none"
    PARTIAL = "partial"
    AVAILABLE = "available"


class Language(StrEnum):
    """The customer's official language of choice (docs/domain.md §2.2)."""

    FR = "fr"
    EN = "en"


class RequestStatus(StrEnum):
    """Where a request stands; see `lifecycle.TRANSITIONS` for the moves between them.

    Reopening is an action (`RequestAction.REOPEN`) that leads back to IN_PROGRESS, not a
    status: a reopened request is worked like any other, and the reopen rate is counted
    from `RequestReopened` events rather than from a status nobody stays in.
    """

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    AWAITING_CUSTOMER = "awaiting_customer"
    """Waiting for information from the customer; the SLA clock is paused."""
    CUSTOMER_REPLIED = "customer_replied"
    """The customer answered and nobody has picked the answer up yet; the clock runs."""
    RESOLVED = "resolved"
    CLOSED = "closed"


class RequestAction(StrEnum):
    """What an agent or the customer does to move a request between statuses."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    ASK_CUSTOMER = "ask_customer"
    RECEIVE_REPLY = "receive_reply"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


class CloseReason(StrEnum):
    """Why a request could be closed (docs/domain.md §10.2)."""

    CUSTOMER_CONFIRMED = "customer_confirmed"
    NO_ANSWER_TIMEOUT = "no_answer_timeout"


class PriorityCriterion(StrEnum):
    """The objective criterion a priority change must name (docs/domain.md §3.3).

    There is deliberately no member for the customer's insistence or chasing.
    """

    IMPACT = "impact"
    URGENCY = "urgency"
    WORKAROUND = "workaround"
    DEADLINE = "deadline"
    SECURITY_RISK = "security_risk"
    MAJOR_INCIDENT = "major_incident"
    CONTRACTUAL_OBLIGATION = "contractual_obligation"


class QueueException(StrEnum):
    """The documented reasons to serve a request before older ones of equal priority."""

    VALIDATED_P1 = "validated_p1"
    SECURITY_RISK = "security_risk"
    MAJOR_INCIDENT = "major_incident"
    CONTRACTUAL_OBLIGATION = "contractual_obligation"


class DataAnomaly(StrEnum):
    """Kinds of customer-data anomaly (docs/domain.md §2.6)."""

    MISSING = "missing"
    DUPLICATED = "duplicated"
    ERRONEOUS = "erroneous"
    OBSOLETE = "obsolete"
