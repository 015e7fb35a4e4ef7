"""Instants as integer microseconds since the Unix epoch, and the aware-only rule.

Every domain function takes aware datetimes and returns them in UTC. Naive datetimes are
refused rather than read in the host's zone. Arithmetic is done in UTC (or on integers):
Python adds and subtracts two datetimes of the *same* zone as wall-clock times, which is
wrong across a DST change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def to_us(instant: datetime) -> int:
    """Microseconds since the epoch; ValueError for a naive datetime."""
    try:
        return (instant - EPOCH) // ONE_US
    except TypeError:
        raise ValueError(f"datetime must be timezone-aware, got {instant!r}") from None


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def to_utc(instant: datetime) -> datetime:
    """``instant`` in UTC; ValueError for a naive datetime."""
    return from_us(to_us(instant))
