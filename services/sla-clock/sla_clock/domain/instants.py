"""Instants as microseconds since the epoch and the aware-only rule, from the kit (events.calendar)."""

from events.calendar.instants import EPOCH, ONE_US, from_us, to_us, to_utc

__all__ = ["EPOCH", "ONE_US", "from_us", "to_us", "to_utc"]
