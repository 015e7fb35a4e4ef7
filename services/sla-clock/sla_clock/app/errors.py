"""What the SLA clock's use cases refuse: rules that cannot be defined as given, a request
never seen."""

from uuid import UUID

from events.application.errors import NotFound


class UnknownCalendar(LookupError):
    """A policy names a calendar that was never defined."""


class InvalidRules(ValueError):
    """A specification that does not make rules: ``field`` names where (``policy.priorities``),
    the message says what is wrong, in words (never a Python ``repr``)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field

    @classmethod
    def of(cls, error: Exception, root: str) -> "InvalidRules":
        """The refusal for an error raised while reading the specification under ``root``."""
        if isinstance(error, KeyError):
            key = str(error.args[0]) if error.args else "?"
            return cls(f"missing field {key!r}", f"{root}.{key}")
        return cls(str(error), root)


class InvalidPolicy(InvalidRules):
    """The policy's specification does not make a policy (a missing priority, a bad target)."""


class InvalidCalendar(InvalidRules):
    """The calendar's specification does not make a business calendar."""


class RequestNotSeen(NotFound):
    """No event of this request has reached the SLA clock (yet)."""

    def __init__(self, request_id: UUID) -> None:
        super().__init__("request", request_id)
        self.args = (f"no request {request_id} seen yet",)
