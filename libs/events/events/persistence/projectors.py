"""The projector registry: which read-model writer runs for each aggregate type on commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from events.aggregate_base import Aggregate

__all__ = [
    "Projector",
    "Projectors",
    "SubjectErasedHook",
    "erasure_reaches",
    "erased_subject_id",
    "no_projection",
]

A = TypeVar("A", bound=Aggregate)

Projector = Callable[[AsyncConnection, A, bool, datetime], Awaitable[Any]]
"""``async def project(connection, aggregate, created, now)``: writes the aggregate's read-model
rows in the command's transaction (``created``: first save of its stream); what it returns is
kept in the unit of work's ``projected``."""

SubjectErasedHook = Callable[[AsyncConnection, str, frozenset[str] | None], Awaitable[int | None]]
"""``async def blank(connection, subject, categories)``: removes or blanks what a read model
keeps in clear of a data subject whose keys were destroyed (``categories``; ``None``: all),
and may say how many rows it blanked or removed (reported in the erasure's proof)."""


def erasure_reaches(category: str, categories: frozenset[str] | None) -> bool:
    """Whether an erasure of ``categories`` (``None``: all) reaches values of ``category``."""
    return categories is None or category in categories


def erased_subject_id(subject: str) -> UUID | None:
    """The erased subject as the id read models key their rows by; ``None`` when it is not a
    UUID (no row of theirs can be that subject's)."""
    try:
        return UUID(subject)
    except ValueError:
        return None


class Projectors:
    """Aggregate type → projector. Every type a unit of work saves must be registered (an
    aggregate without read model registers :func:`no_projection`), so a forgotten projector is
    an error at the first save, not a read model that silently stops following its streams."""

    def __init__(self) -> None:
        self._by_type: dict[type[Aggregate], Projector[Any]] = {}
        self._erasure_hooks: list[SubjectErasedHook] = []

    def register(self, aggregate_type: type[A], projector: Projector[A]) -> None:
        if aggregate_type in self._by_type:
            raise ValueError(f"{aggregate_type.__name__} already has a projector")
        self._by_type[aggregate_type] = projector

    def projector_for(self, aggregate: Aggregate) -> Projector[Any]:
        """The projector of the aggregate's class, or of its nearest registered base class."""
        for cls in type(aggregate).__mro__:
            if cls in self._by_type:
                return self._by_type[cls]
        raise LookupError(f"no projector registered for {type(aggregate).__name__}")

    async def project(
        self, connection: AsyncConnection, aggregate: Aggregate, created: bool, now: datetime
    ) -> Any:
        return await self.projector_for(aggregate)(connection, aggregate, created, now)

    def on_subject_erased(self, hook: SubjectErasedHook) -> SubjectErasedHook:
        """Register ``hook`` to run when a data subject is erased (usable as a decorator)."""
        self._erasure_hooks.append(hook)
        return hook

    @property
    def erasure_hooks(self) -> tuple[SubjectErasedHook, ...]:
        return tuple(self._erasure_hooks)

    async def erase_subject(
        self, connection: AsyncConnection, subject: str, categories: frozenset[str] | None = None
    ) -> int:
        """Blank ``subject``'s clear values in every read model, in the caller's transaction;
        the rows the hooks said they blanked or removed."""
        rows = 0
        for hook in self._erasure_hooks:
            rows += await hook(connection, subject, categories) or 0
        return rows


async def no_projection(
    connection: AsyncConnection, aggregate: Aggregate, created: bool, now: datetime
) -> None:
    """The projector of an aggregate with no read model: its events are all there is."""
