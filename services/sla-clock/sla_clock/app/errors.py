"""What the SLA clock's use cases refuse: rules that cannot be defined as given."""


class UnknownCalendar(LookupError):
    """A policy names a calendar that was never defined."""


class InvalidPolicy(ValueError):
    """The policy's specification does not make a policy (a missing priority, a bad target)."""


class InvalidCalendar(ValueError):
    """The calendar's specification does not make a business calendar."""
