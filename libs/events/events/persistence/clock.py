"""The real clock, for services' bootstraps: UTC now (``events.application.ports.Clock``)."""

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
