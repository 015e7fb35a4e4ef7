"""The instants every service accepts: an offset, and a year between 1900 and 2199.

Pure, so domains bound what they compute with the same constants the schemas check."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["EARLIEST", "LATEST", "check_instant", "within_bounds"]

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""The first instant any service accepts."""
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""The first instant no service accepts: far enough for any contract, near enough to compute with."""


def within_bounds(value: datetime) -> bool:
    """Whether an aware ``value`` lies in [EARLIEST, LATEST), without overflowing on year 1 or 9999."""
    if not EARLIEST.year <= value.year < LATEST.year:
        return False  # checked first: converting year 1 or 9999 to UTC may overflow
    return EARLIEST <= value < LATEST


def check_instant(value: datetime) -> datetime:
    """``value`` if it has a UTC offset and lies in [EARLIEST, LATEST); ValueError otherwise."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must have a UTC offset (e.g. 2026-03-02T09:00:00+01:00 or ...Z)")
    if not within_bounds(value):
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    return value
