"""Clocks: the system's, and one over any ``() -> datetime`` callable (tests move theirs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class CallableClock:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now()
