"""A clock over any ``() -> datetime`` callable: tests and benches move theirs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


class CallableClock:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now()
