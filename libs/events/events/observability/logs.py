"""structlog JSON logs, with request and correlation ids bound per request or message.

Libraries log through the standard library (aiokafka, uvicorn, SQLAlchemy): their records go
through the same renderer, so every line is one JSON object with ``logger`` naming the library.
A library repeats its warnings while a dependency is away (aiokafka writes a few lines per
second per connection during a broker outage): :class:`RepeatLimiter` lets the first one of a
kind through, then one per interval carrying how many it left out.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import structlog
from structlog.typing import Processor

REPEAT_INTERVAL = 30.0
"""Seconds during which a library warning of one kind is written once."""


@dataclass
class _Window:
    started: float
    suppressed: int = 0


class RepeatLimiter(logging.Filter):
    """Writes a standard-library warning (or worse) of one kind once per ``interval``.

    A kind is the logger, the level and the message template (its arguments aside: the
    node, address or error text change between repeats). The first record written after an
    interval carries ``suppressed``, the number of records of its kind left out since the
    last one written, and ``suppressed_over_seconds``."""

    MAX_KINDS = 1024

    def __init__(
        self, interval: float = REPEAT_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._windows: dict[tuple[str, int, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        window = self._windows.get(kind)
        if window is not None and now - window.started < self.interval:
            window.suppressed += 1
            return False
        if window is not None and window.suppressed:
            record.suppressed = window.suppressed
            record.suppressed_over_seconds = round(now - window.started, 3)
        if len(self._windows) >= self.MAX_KINDS:
            self._windows.clear()
        self._windows[kind] = _Window(now)
        return True


def _stderr_of_the_moment(*_: Any) -> structlog.PrintLogger:
    """The services' own loggers write to the ``sys.stderr`` of the moment, as the library
    handler does: a stream bound once (a finished test's capture) may since have been closed."""
    return structlog.PrintLogger(sys.stderr)


class _LibraryHandler(logging.StreamHandler[TextIO]):
    """The one handler :func:`configure_logging` installs on the root logger; it writes to
    the ``sys.stderr`` of the moment (a test's capture, or the process's)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(
    level: str = "INFO",
    json: bool = True,
    *,
    repeat_interval: float = REPEAT_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_stderr_of_the_moment,
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(level, renderer, timestamper, RepeatLimiter(repeat_interval, clock))


def _route_standard_logging(
    level: str, renderer: Processor, timestamper: Processor, limiter: RepeatLimiter
) -> None:
    """Every standard-library record to stderr through ``renderer`` (idempotent: each service
    of ``make run`` calls it)."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(allow=("suppressed", "suppressed_over_seconds")),
            timestamper,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = _LibraryHandler()
    handler.setFormatter(formatter)
    handler.addFilter(limiter)
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _LibraryHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
