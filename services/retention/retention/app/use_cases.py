"""Retention's use cases: policies, legal holds, the purge and data-subject requests (whose
due date the SLA clock keeps). Each command runs in one unit of work (events and read models commit together).

A purge racing a new event of the same subject: the purge selects from the projection, then
destroys the live key of the category. Data sealed before the destruction is unreadable; an
event appended after it is sealed under a fresh key (the key ring creates one) and stays
readable, and its anchor restarts the subject's period. An event sealed by another process
under the destroyed key while its key ring still caches it (``seal_ttl``) reads as erased:
the purge wins over an event racing it within that window.

A customer's data is sealed under their keys and under their streams' (an event naming no
customer, on a request or a relance, is sealed under its stream, docs/adr/0007): an erasure
and a purge expand the customer to the streams retention knows are theirs (``streams_of``)
and destroy those keys too, in the same categories; a legal hold on the customer keeps them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from events.application.errors import NotFound
from events.application.ports import Clock
from events.catalogue import PII_CATEGORIES
from events.catalogue.retention import KeptCategory, RequestKind, RetentionPeriod
from events.envelope import Metadata
from retention.app.export import ExportSources, SubjectExport
from retention.app.ports import KeyShredder, RetentionReads, UnitOfWork
from retention.domain.calendar import add_months
from retention.domain.errors import AlreadyErased, UnknownSubject
from retention.domain.holds import LegalHold, PurgeRun, hold_stream
from retention.domain.policies import POLICY_STREAM, PolicyBook, RetentionPolicy
from retention.domain.purge import select_for_purge
from retention.domain.subject_request import SubjectRequest

KEPT_BY_LAW: dict[str, str] = {
    "billing": "accounting obligation: billing records are kept 10 years (Code de commerce L123-22); "
    "GDPR art. 17(3)(b)",
}
"""Categories an erasure request leaves in place, and why; the purge ends them in their time."""


@dataclass(frozen=True)
class PurgeOutcome:
    category: str
    subjects: int
    events_affected: int
    key_ids: tuple[str, ...]
    subjects_on_hold: int
    purge_id: UUID


class RetentionUseCases:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        views: RetentionReads,
        shredder: KeyShredder,
        clock: Clock,
        export_sources: ExportSources | None = None,
    ) -> None:
        self.uow, self.views, self.shredder, self.clock = uow, views, shredder, clock
        self.exports = SubjectExport(views, shredder, export_sources, clock)

    async def define_policy(
        self, periods: tuple[RetentionPeriod, ...], reason: str | None, metadata: Metadata
    ) -> RetentionPolicy:
        async with self.uow() as uow:
            try:
                book = await uow.policies.get(POLICY_STREAM)
            except NotFound:
                book = PolicyBook()
                uow.policies.add(book)
            policy: RetentionPolicy = book.define(periods, metadata.actor or "", reason, self.clock.now())
            await uow.commit(metadata)
        return policy

    async def place_hold(self, subject: str, reason: str, metadata: Metadata) -> None:
        async with self.uow() as uow:
            hold = await self._hold(uow, subject)
            hold.place(reason, metadata.actor or "", self.clock.now())
            await uow.commit(metadata)

    async def lift_hold(self, subject: str, reason: str, metadata: Metadata) -> None:
        async with self.uow() as uow:
            hold = await self._hold(uow, subject)
            hold.lift(reason, metadata.actor or "", self.clock.now())
            await uow.commit(metadata)

    async def _hold(self, uow: UnitOfWork, subject: str) -> LegalHold:
        try:
            hold: LegalHold = await uow.holds.get(hold_stream(subject))
        except NotFound:
            hold = LegalHold.of(subject)
            uow.holds.add(hold)
        return hold

    async def purge(self, metadata: Metadata) -> list[PurgeOutcome]:
        """One pass over every category: destroy the keys whose retention has ended, and record
        a ``RetentionPurgeExecuted`` per category, even when nothing was due."""
        now = self.clock.now()
        policy, _ = await self.views.policy()
        activities = await self.views.activities()
        outcomes: list[PurgeOutcome] = []
        for period in policy.periods:
            selection = select_for_purge(activities, period, now)
            reports = (
                await self.shredder.destroy_many(
                    selection.due, period.category, await self.views.streams_of(selection.due)
                )
                if selection.due
                else []
            )
            key_ids = tuple(k for r in reports for k in r.key_ids)
            events_affected = sum(r.events_affected for r in reports)
            run = PurgeRun.executed(
                policy_version=policy.version,
                category=period.category,
                retained_before=add_months(now, -period.months),
                subjects=len(selection.due),
                events_affected=events_affected,
                key_ids=key_ids,
                subjects_on_hold=len(selection.on_hold),
                at=now,
            )
            async with self.uow() as uow:
                uow.purges.add(run)
                await uow.commit(metadata)
            if selection.due:
                await self.views.mark_erased(selection.due, period.category)
            outcomes.append(
                PurgeOutcome(
                    period.category,
                    len(selection.due),
                    events_affected,
                    key_ids,
                    len(selection.on_hold),
                    run.id,
                )
            )
        return outcomes

    async def receive(
        self,
        request_id: UUID,
        kind: RequestKind,
        customer_id: UUID | None,
        identity: dict[str, str],
        channel: str,
        metadata: Metadata,
    ) -> SubjectRequest:
        request = SubjectRequest.receive(
            request_id, kind, customer_id, identity, channel, metadata.actor or "", self.clock.now()
        )
        async with self.uow() as uow:
            uow.requests.add(request)
            await uow.commit(metadata)
        return request

    async def verify_identity(self, request_id: UUID, method: str, metadata: Metadata) -> SubjectRequest:
        async with self.uow() as uow:
            request: SubjectRequest = await uow.requests.get(request_id)
            request.verify_identity(method, metadata.actor or "", self.clock.now())
            await uow.commit(metadata)
        return request

    async def extend(
        self, request_id: UUID, months: int, reasons: str, person_told_at: datetime, metadata: Metadata
    ) -> SubjectRequest:
        async with self.uow() as uow:
            request: SubjectRequest = await uow.requests.get(request_id)
            request.extend(months, reasons, person_told_at, metadata.actor or "", self.clock.now())
            await uow.commit(metadata)
        return request

    async def export(self, request_id: UUID, metadata: Metadata, data_format: str = "json") -> dict[str, Any]:
        """A copy of the subject's data across the services (see :mod:`retention.app.export`),
        recorded as ``DataExported`` in ``data_format`` (``json``, ``html`` or ``text``)."""
        async with self.uow() as uow:
            request: SubjectRequest = await uow.requests.get(request_id)
            document = await self.export_document(request.check_exportable())
            request.export(len(document["events"]), data_format, metadata.actor or "", self.clock.now())
            await uow.commit(metadata)
        return document

    async def export_document(self, subject: str) -> dict[str, Any]:
        return await self.exports.document(subject)

    async def erase(self, request_id: UUID, metadata: Metadata) -> SubjectRequest:
        """Crypto-shred the subject's categories but those the law obliges to keep."""
        async with self.uow() as uow:
            request: SubjectRequest = await uow.requests.get(request_id)
            subject = request.check_erasable()
            activity = await self.views.activity(subject)
            streams = (await self.views.streams_of([subject])).get(subject, ())
            keys = await self._categories_of((subject, *streams))
            if activity is None or (activity.last_activity is None and not activity.erased):
                raise UnknownSubject(f"no service has recorded personal data of subject {subject}")
            erasable = sorted(set(PII_CATEGORIES) - set(KEPT_BY_LAW))
            shredded = [c for c in erasable if c in keys and not keys[c]]
            live = [c for c in erasable if keys.get(c)]
            if not live and (shredded or (activity is not None and set(erasable) <= activity.erased)):
                raise AlreadyErased(f"subject {subject} is already erased")
            report = await self.shredder.destroy(subject, erasable, streams)
            kept = tuple(
                KeptCategory(category=c, reason=reason) for c, reason in KEPT_BY_LAW.items() if keys.get(c)
            )
            request.erase(
                tuple(erasable),
                kept,
                report.key_ids,
                report.events_affected,
                metadata.actor or "",
                self.clock.now(),
            )
            await uow.commit(metadata)
        return request

    async def _categories_of(self, subjects: Sequence[str]) -> dict[str, bool]:
        """Each category any of ``subjects`` has a key in, live when one of them is."""
        found: dict[str, bool] = {}
        for subject in subjects:
            for category, live in (await self.shredder.categories_of(subject)).items():
                found[category] = found.get(category, False) or live
        return found

    async def complete(self, request_id: UUID, metadata: Metadata) -> SubjectRequest:
        async with self.uow() as uow:
            request: SubjectRequest = await uow.requests.get(request_id)
            request.complete(metadata.actor or "", self.clock.now())
            await uow.commit(metadata)
        return request
