"""The archive access log (docs/domain.md §17): every read of personal data is recorded as an
``ArchiveAccessed`` event in the reading service's own store, before the data is served.

Entries are group-committed: a read enqueues its entry and waits for it; one flush at a time
appends everything queued (up to ``max_batch`` entries, each its own stream) in one
transaction, after lingering ``linger`` seconds for company. A read whose entry cannot be
recorded is refused (503 problem+json), never served silently. Under load the wait is one
commit shared by the batch; alone, one commit.

A route asks for :data:`AccessLogDep` and calls ``await access_log.read(kind, customer_id=...,
resource=...)`` once it knows whose data it is about to serve.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import structlog
from fastapi import Depends, Request

from events.catalogue.retention import ArchiveAccessed
from events.service.app import RuntimeDep
from events.service.auth import Actor, CurrentActor
from events.service.problems import Problem
from events.service.runtime import ServiceRuntime
from events.store import SqlEventStore

log = structlog.get_logger(__name__)

STREAM_TYPE = "archive_access"
DEFAULT_MAX_BATCH = 256
DEFAULT_LINGER = 0.0


class AccessNotRecorded(Problem):
    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            "access-log-unavailable",
            "Access log unavailable",
            "this read of personal data could not be recorded in the access log, so it is not "
            f"served: try again ({reason})",
        )


@dataclass
class _Entry:
    event: ArchiveAccessed
    done: asyncio.Future[None]


class AccessLogRecorder:
    """Batched appends of ``ArchiveAccessed`` to ``store``; ``record`` returns once stored."""

    def __init__(
        self,
        store: SqlEventStore,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        linger: float = DEFAULT_LINGER,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.max_batch = max_batch
        self.linger = linger
        self.on_commit = on_commit
        self._queue: list[_Entry] = []
        self._flusher: asyncio.Task[None] | None = None
        self.flushes = 0

    async def record(self, event: ArchiveAccessed) -> None:
        """Wait until ``event`` is stored; :class:`AccessNotRecorded` if it cannot be."""
        entry = _Entry(event, asyncio.get_running_loop().create_future())
        self._queue.append(entry)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all(), name="access-log-flush")
        await asyncio.shield(entry.done)

    async def _flush_all(self) -> None:
        if self.linger:
            await asyncio.sleep(self.linger)
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                async with self.store.transaction() as tx:
                    await tx.append_streams([(uuid4(), STREAM_TYPE, 0, [entry.event]) for entry in batch])
            except Exception as error:  # noqa: BLE001 - every waiting read is refused with it
                for entry in batch:
                    if not entry.done.done():
                        entry.done.set_exception(AccessNotRecorded(type(error).__name__))
                log.warning("access_log.flush_failed", error=f"{type(error).__name__}: {error}")
                continue
            self.flushes += 1
            for entry in batch:
                if not entry.done.done():
                    entry.done.set_result(None)
            if self.on_commit is not None:
                self.on_commit()

    async def close(self) -> None:
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher


def recorder_of(runtime: ServiceRuntime) -> AccessLogRecorder:
    """The runtime's recorder, made on first use (``definition.extra["access_log"]`` may give
    ``max_batch`` and ``linger``)."""
    recorder = runtime.state.get("access_log")
    if recorder is None:
        options: dict[str, Any] = runtime.definition.extra.get("access_log") or {}
        recorder = AccessLogRecorder(runtime.store, on_commit=runtime.committed, **options)
        runtime.state["access_log"] = recorder
    return recorder


@dataclass(frozen=True)
class AccessLog:
    """The access log as one route sees it: who reads, through which route."""

    recorder: AccessLogRecorder
    actor: Actor
    context: str
    clock: Callable[[], datetime]

    async def read(self, kind: str, *, customer_id: UUID | None, resource: str) -> None:
        await self.recorder.record(
            ArchiveAccessed(
                reader=self.actor.subject,
                roles=self.actor.roles,
                kind=kind,
                customer_id=customer_id,
                resource=resource,
                context=self.context,
                at=self.clock(),
            )
        )


def _clock_of(runtime: ServiceRuntime) -> Callable[[], datetime]:
    clock = runtime.state.get("clock")
    if clock is not None and hasattr(clock, "now"):
        return clock.now
    return lambda: datetime.now(UTC)


async def get_access_log(runtime: RuntimeDep, actor: CurrentActor, request: Request) -> AccessLog:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    return AccessLog(
        recorder_of(runtime),
        actor,
        f"{runtime.definition.name} {request.method} {path}",
        _clock_of(runtime),
    )


AccessLogDep = Annotated[AccessLog, Depends(get_access_log)]
