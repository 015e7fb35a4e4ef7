"""What the SLA clock's use cases refuse: rules that cannot be defined as given, a request
never seen."""

from uuid import UUID

from events.application.errors import NotFound


class UnknownCalendar(LookupError):
    """A policy names a calendar that was never defined."""


class InvalidPolicy(ValueError):
    """The policy's specification does not make a policy (a missing priority, a bad target)."""


class InvalidCalendar(ValueError):
    """The calendar's specification does not make a business calendar."""


class RequestNotSeen(NotFound):
    """No event of this request has reached the SLA clock (yet)."""

    def __init__(self, request_id: UUID) -> None:
        super().__init__("request", request_id)
        self.args = (f"no request {request_id} seen yet",)
