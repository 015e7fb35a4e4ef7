"""The message bus: the one entry to a service's use cases, with dependencies injected by name.

A service declares ``COMMAND_HANDLERS`` (command class → ``async def handler(cmd, uow, ...)``)
and builds one :class:`MessageBus` in its bootstrap. Each parameter after the command is
filled by name: ``uow`` with a fresh unit of work per run, any other from the bus's
``dependencies`` (``clock``, ``rules``...). A handler asking for a dependency the bus was not
given is refused when the bus is built, not on the first request.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any, ClassVar, Protocol, cast
from uuid import UUID

from events.application.errors import Conflict, StaleVersion
from events.application.ports import UnitOfWork
from events.store import ConcurrencyError

__all__ = ["GuardedCommand", "Handler", "MessageBus", "if_match", "inject_dependencies"]

Handler = Callable[..., Awaitable[Any]]
"""``async def handler(command, uow, **dependencies)``: one use case, one transaction."""


class GuardedCommand(Protocol):
    """A command carrying the client's If-Match: the ``expected_version`` it read of the
    stream whose id is in the field named by the class attribute ``if_match_field``."""

    if_match_field: ClassVar[str]
    expected_version: int


def if_match(command: object) -> tuple[UUID, int] | None:
    """The stream the command's If-Match guards and the version it names; None without one."""
    if not (hasattr(command, "if_match_field") and hasattr(command, "expected_version")):
        return None
    guarded = cast(GuardedCommand, command)
    stream_id: UUID = getattr(guarded, guarded.if_match_field)
    return stream_id, guarded.expected_version


def inject_dependencies(handler: Handler, dependencies: Mapping[str, object]) -> Handler:
    """``handler`` with every parameter but the command and ``uow`` bound by name."""
    names = list(inspect.signature(handler).parameters)[1:]
    missing = [name for name in names if name != "uow" and name not in dependencies]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs {', '.join(missing)}: give them to the bus")
    return partial(handler, **{name: dependencies[name] for name in names if name != "uow"})


class MessageBus:
    """Runs each command through its handler, in a unit of work made by ``uow`` for each run."""

    def __init__(
        self,
        handlers: Mapping[type, Handler],
        uow: Callable[[], UnitOfWork],
        **dependencies: object,
    ) -> None:
        self.uow_factory = uow
        self.handlers = {kind: inject_dependencies(h, dependencies) for kind, h in handlers.items()}

    async def handle(self, command: object) -> Any:
        """Run the command's handler. A command that lost a race with a concurrent write is run
        once more (reading everything again), except when the race was on the stream its
        If-Match guards: the client's precondition then failed at write time, which is the same
        412 as a stale If-Match (`StaleVersion`); the client must read again. Losing twice is
        left as it is (`ConcurrencyError`, `Conflict`: 409), so a 409 never means that the
        version the client sent is stale."""
        handler = self.handlers[type(command)]
        try:
            return await self._run(handler, command)
        except (ConcurrencyError, Conflict):
            pass
        return await self._run(handler, command)

    async def _run(self, handler: Handler, command: object) -> Any:
        try:
            return await handler(command, uow=self.uow_factory())
        except ConcurrencyError as error:
            guarded = if_match(command)
            if guarded is not None and str(error.stream_id) == str(guarded[0]):
                raise StaleVersion(error.actual, guarded[1]) from error
            raise
