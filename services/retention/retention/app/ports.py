"""What retention's use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from events.application import ports
from retention.domain.holds import LegalHold, PurgeRun
from retention.domain.policies import PolicyBook, RetentionPolicy
from retention.domain.purge import SubjectActivity
from retention.domain.subject_request import SubjectRequest


@dataclass(frozen=True)
class ShredReport:
    """Keys destroyed for one subject (their own and their streams'), and how many stored
    events they sealed."""

    subject: str
    key_ids: tuple[str, ...]
    events_affected: int


class KeyShredder(Protocol):
    """Crypto-shredding over the platform's key ring (``events.pii``)."""

    async def destroy(
        self, subject: str, categories: Collection[str], streams: Sequence[str] = ()
    ) -> ShredReport:
        """Destroy the live keys in ``categories`` of ``subject`` and of ``streams`` (the
        subject's requests and relances: the data subject of their events that name no
        customer), and blank the read models."""
        ...

    async def destroy_many(
        self,
        subjects: Sequence[str],
        category: str,
        streams: Mapping[str, Sequence[str]] | None = None,
    ) -> list[ShredReport]:
        """The same for many subjects in one category (a purge), ``streams`` the streams of
        each subject: batched."""
        ...

    async def categories_of(self, subject: str) -> dict[str, bool]:
        """Each category ``subject`` has a key in, and whether that key is still live."""
        ...


class RetentionReads(Protocol):
    """Retention's read models, as the use cases need them."""

    async def policy(self) -> tuple[RetentionPolicy, dict[str, Any] | None]: ...

    async def activities(self) -> list[SubjectActivity]: ...

    async def activity(self, subject: str) -> SubjectActivity | None: ...

    async def subject_events(self, subject: str) -> list[dict[str, Any]]: ...

    async def streams_of(self, subjects: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The streams whose personal fields are those of each of ``subjects`` without naming
        them: the intake requests they own and the documents' relances of those requests (a
        request that is its own subject, a sender who is not a customer, is not listed; an
        approval's stream, whose fields name members of staff, is not either)."""
        ...

    async def mark_erased(self, subjects: Sequence[str], category: str) -> None:
        """Record that ``category`` of ``subjects`` is erased (a purge): not selected again."""
        ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    policies: ports.Repository[PolicyBook]
    requests: ports.Repository[SubjectRequest]
    holds: ports.Repository[LegalHold]
    purges: ports.Repository[PurgeRun]
