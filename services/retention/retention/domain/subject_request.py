"""A data-subject request (docs/domain.md §16): received, identity verified, handled, completed,
within one month of receipt, extendable once by up to two months before that month ends.

The month does not pause while identity is verified: the due date is fixed at receipt. The
SLA clock keeps the deadline (its warning a week before the due date, its breach at it);
``deadline_marks`` tells what its marks mean for the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from events.aggregate_base import Aggregate
from events.catalogue.retention import (
    ConsentWithdrawn,
    DataExported,
    DataSubjectRequestCompleted,
    DataSubjectRequestExtended,
    DataSubjectRequestReceived,
    IdentityVerified,
    KeptCategory,
    RequestKind,
    SubjectErased,
)
from retention.domain.calendar import MAX_EXTENSION_MONTHS, add_months, one_month_after
from retention.domain.errors import IdentityNotVerified, RequestRefused, UnknownSubject

EXPORTABLE: frozenset[str] = frozenset({"access", "portability"})

OPEN, COMPLETED = "open", "completed"
DEADLINE = "data_subject_request"
"""The ``kind`` of the SLA clock's warning and breach of a data-subject request."""
WARNING, BREACH = "warning", "breach"
"""The SLA clock's marks of a deadline (``SlaWarning``, ``SlaBreached``)."""


def deadline_marks(
    due_at: datetime | None, marks: Iterable[tuple[str, datetime | None]]
) -> tuple[bool, bool]:
    """(warned, overdue) for the request's current due date, from the SLA clock's marks
    ``(threshold, due instant)``: a mark of a due date an extension moved does not count."""
    current = {threshold for threshold, marked_due in marks if marked_due == due_at}
    return WARNING in current, BREACH in current


class SubjectRequest(Aggregate):
    stream_type = "subject_request"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.kind: RequestKind = "access"
        self.customer_id: UUID | None = None
        self.status = OPEN
        self.received_at: datetime | None = None
        self.due_at: datetime | None = None
        self.first_due_at: datetime | None = None
        self.verified_by: str | None = None
        self.verification: str | None = None
        self.extended_months = 0
        self.exports = 0
        self.erased: tuple[str, ...] | None = None
        self.kept: tuple[KeptCategory, ...] = ()
        self.consent_withdrawn = False
        self.actions: tuple[str, ...] = ()

    @classmethod
    def receive(
        cls,
        request_id: UUID,
        kind: RequestKind,
        customer_id: UUID | None,
        identity: dict[str, str],
        channel: str,
        by: str,
        at: datetime,
    ) -> SubjectRequest:
        request = cls(request_id)
        request.record(
            DataSubjectRequestReceived(
                request_id=request_id,
                kind=kind,
                customer_id=customer_id,
                identity=identity,
                channel=channel,
                received_by=by,
                received_at=at,
                due_at=one_month_after(at),
            )
        )
        return request

    @property
    def subject(self) -> str | None:
        return None if self.customer_id is None else str(self.customer_id)

    def _open(self, step: str) -> None:
        if self.status != OPEN:
            raise RequestRefused(f"request {self.id} is {self.status}: cannot {step}", status=self.status)

    def _verified(self, step: str) -> str:
        if self.verified_by is None:
            raise IdentityNotVerified(f"the person's identity is not verified: cannot {step}")
        if self.subject is None:
            raise UnknownSubject(f"request {self.id} names no known customer: nothing to {step}")
        return self.subject

    def verify_identity(self, method: str, by: str, at: datetime) -> None:
        self._open("verify identity")
        if self.verified_by is not None:
            raise RequestRefused("identity already verified", status=self.status)
        self.record(IdentityVerified(request_id=self.id, method=method, verified_by=by, at=at))

    def extend(self, months: int, reasons: str, person_told_at: datetime, by: str, at: datetime) -> None:
        """Only within the first month (the person told before it ends), once, by 1 or 2 months."""
        self._open("extend")
        assert self.first_due_at is not None and self.received_at is not None
        if self.extended_months:
            raise RequestRefused("the request was already extended", status=self.status)
        if not 1 <= months <= MAX_EXTENSION_MONTHS:
            raise RequestRefused(
                f"an extension is 1 or {MAX_EXTENSION_MONTHS} months, not {months}", status=self.status
            )
        if at >= self.first_due_at or person_told_at >= self.first_due_at:
            raise RequestRefused(
                "an extension must be decided and told to the person before the first month ends "
                f"({self.first_due_at.isoformat()})",
                status=self.status,
            )
        self.record(
            DataSubjectRequestExtended(
                request_id=self.id,
                months=months,
                due_at=add_months(self.received_at, 1 + months),
                reasons=reasons,
                person_told_at=person_told_at,
                extended_by=by,
                at=at,
            )
        )

    def check_exportable(self) -> str:
        """The subject whose data to export, or why not."""
        self._open("export")
        if self.kind not in EXPORTABLE:
            raise RequestRefused(f"a {self.kind} request has no export", status=self.status)
        return self._verified("export")

    def export(self, events_exported: int, data_format: str, by: str, at: datetime) -> None:
        subject = self.check_exportable()
        self.record(
            DataExported(
                request_id=self.id,
                subject=subject,
                format=data_format,
                events_exported=events_exported,
                exported_by=by,
                at=at,
            )
        )

    def check_erasable(self) -> str:
        """The subject to erase, or why not."""
        self._open("erase")
        if self.kind != "erasure":
            raise RequestRefused(f"a {self.kind} request erases nothing", status=self.status)
        subject = self._verified("erase")
        if self.erased is not None:
            raise RequestRefused("this request already erased its subject", status=self.status)
        return subject

    def erase(
        self,
        categories: tuple[str, ...],
        kept: tuple[KeptCategory, ...],
        key_ids: tuple[str, ...],
        events_affected: int,
        by: str,
        at: datetime,
    ) -> None:
        subject = self.check_erasable()
        self.record(
            SubjectErased(
                request_id=self.id,
                subject=subject,
                categories=categories,
                kept=kept,
                key_ids=key_ids,
                events_affected=events_affected,
                erased_by=by,
                at=at,
            )
        )

    def complete(self, by: str, at: datetime) -> None:
        self._open("complete")
        if self.verified_by is None:
            raise IdentityNotVerified("the person's identity is not verified: cannot complete")
        if self.kind == "objection" and not self.consent_withdrawn:
            self.record(
                ConsentWithdrawn(
                    request_id=self.id, subject=self._verified("object"), purpose="prospection", at=at
                )
            )
        if self.kind in EXPORTABLE and not self.exports:
            raise RequestRefused("the data was not exported yet", status=self.status)
        if self.kind == "erasure" and self.erased is None:
            raise RequestRefused("the subject was not erased yet", status=self.status)
        self.record(
            DataSubjectRequestCompleted(request_id=self.id, actions=self.summary(), completed_by=by, at=at)
        )

    def summary(self) -> tuple[str, ...]:
        actions = [f"identity verified ({self.verification})"]
        if self.exports:
            actions.append(f"data exported ({self.exports} time(s))")
        if self.erased is not None:
            actions.append(f"erased: {', '.join(self.erased) or 'nothing'}")
            actions.extend(f"kept {k.category}: {k.reason}" for k in self.kept)
        if self.consent_withdrawn:
            actions.append("prospection consent withdrawn")
        if self.kind == "rectification":
            actions.append("rectified through intake's commands")
        return tuple(actions)

    def when_DataSubjectRequestReceived(self, event: DataSubjectRequestReceived) -> None:
        self.kind, self.customer_id = event.kind, event.customer_id
        self.received_at, self.due_at, self.first_due_at = event.received_at, event.due_at, event.due_at

    def when_IdentityVerified(self, event: IdentityVerified) -> None:
        self.verified_by, self.verification = event.verified_by, event.method

    def when_DataSubjectRequestExtended(self, event: DataSubjectRequestExtended) -> None:
        self.extended_months, self.due_at = event.months, event.due_at

    def when_DataExported(self, event: DataExported) -> None:
        self.exports += 1

    def when_SubjectErased(self, event: SubjectErased) -> None:
        self.erased, self.kept = event.categories, event.kept

    def when_ConsentWithdrawn(self, event: ConsentWithdrawn) -> None:
        self.consent_withdrawn = True

    def when_DataSubjectRequestCompleted(self, event: DataSubjectRequestCompleted) -> None:
        self.status, self.actions = COMPLETED, event.actions
