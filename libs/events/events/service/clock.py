"""The clock a running service's use cases read: swappable by tests while the app runs."""

from __future__ import annotations

from datetime import datetime

from events.service.runtime import ServiceRuntime

__all__ = ["RuntimeClock"]


class RuntimeClock:
    """Reads ``runtime.state["clock"]`` on every call, so a test can swap the clock of a running
    app; the service's bootstrap puts its clock there (``extra["clock"]`` or the system clock)."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime

    def now(self) -> datetime:
        now: datetime = self.runtime.state["clock"].now()
        return now
