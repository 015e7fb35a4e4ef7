"""Legal holds (one file per data subject) and purge runs (one stream per run: its proof)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4, uuid5

from events.aggregate_base import Aggregate
from events.catalogue.retention import LegalHoldLifted, LegalHoldPlaced, RetentionPurgeExecuted
from retention.domain.errors import HoldRefused

_HOLDS = UUID("5d0c3b8e-2f1a-4c7e-8a55-1b7f0e9d4c21")


def hold_stream(subject: str) -> UUID:
    return uuid5(_HOLDS, subject)


class LegalHold(Aggregate):
    """A legal hold suspends every purge of its subject until lifted, both with a reason."""

    stream_type = "legal_hold"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.subject: str | None = None
        self.active = False
        self.reason: str | None = None

    @classmethod
    def of(cls, subject: str) -> LegalHold:
        hold = cls(hold_stream(subject))
        hold.subject = subject
        return hold

    def place(self, reason: str, by: str, at: datetime) -> None:
        assert self.subject is not None
        if self.active:
            raise HoldRefused(f"subject {self.subject} is already on legal hold")
        self.record(LegalHoldPlaced(subject=self.subject, reason=reason, placed_by=by, at=at))

    def lift(self, reason: str, by: str, at: datetime) -> None:
        if not self.active or self.subject is None:
            raise HoldRefused(f"subject {self.subject} is not on legal hold")
        self.record(LegalHoldLifted(subject=self.subject, reason=reason, lifted_by=by, at=at))

    def when_LegalHoldPlaced(self, event: LegalHoldPlaced) -> None:
        self.subject, self.active, self.reason = event.subject, True, event.reason

    def when_LegalHoldLifted(self, event: LegalHoldLifted) -> None:
        self.active, self.reason = False, None


class PurgeRun(Aggregate):
    stream_type = "retention_purge"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.proof: RetentionPurgeExecuted | None = None

    @classmethod
    def executed(
        cls,
        *,
        policy_version: int,
        category: str,
        retained_before: datetime,
        subjects: int,
        events_affected: int,
        key_ids: tuple[str, ...],
        subjects_on_hold: int,
        at: datetime,
    ) -> PurgeRun:
        run = cls(uuid4())
        run.record(
            RetentionPurgeExecuted(
                purge_id=run.id,
                policy_version=policy_version,
                category=category,
                retained_before=retained_before,
                subjects=subjects,
                events_affected=events_affected,
                key_ids=key_ids,
                subjects_on_hold=subjects_on_hold,
                at=at,
            )
        )
        return run

    def when_RetentionPurgeExecuted(self, event: RetentionPurgeExecuted) -> None:
        self.proof = event
