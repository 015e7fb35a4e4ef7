"""The access export: a copy of everything the five services hold of a data subject.

Retention keeps every event concerning a customer that intake, documents, approvals and
sla-clock publish, with its payload as stored (personal fields sealed). The export opens those
fields through the key ring (:class:`ExportSources`) while their key exists; a field whose key
is destroyed is shown as erased, with why (the person's erasure request, or the purge that
ended its retention period). Retention's own records of the person (their data-subject
requests) and who read their data (the access log) complete it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from events.application.ports import Clock
from retention.app.ports import KeyShredder, RetentionReads

FRENCH, ENGLISH = "fr", "en"


@dataclass(frozen=True)
class ErasedField:
    field: str
    category: str
    key_id: str | None


@dataclass(frozen=True)
class OpenedEvent:
    """An event's personal fields as this export may show them: ``personal`` in clear (the
    subject's own keys still exist), ``erased`` (their key destroyed), ``withheld`` (sealed
    under another person's key: a member of staff's name is not the customer's data)."""

    personal: dict[str, Any] = field(default_factory=dict)
    erased: tuple[ErasedField, ...] = ()
    withheld: tuple[str, ...] = ()


@dataclass(frozen=True)
class DestroyedKey:
    key_id: str
    category: str
    destroyed_at: datetime


class ExportSources(Protocol):
    """What the export reads beyond retention's read models: sealed fields opened through the
    key ring, the subject's keys, and retention's own records of the person."""

    async def open(self, subject: str, events: Sequence[Mapping[str, Any]]) -> dict[UUID, OpenedEvent]:
        """Each of ``events`` (rows of ``subject_events``) with a stored payload, opened."""
        ...

    async def destroyed_keys(self, subject: str) -> list[DestroyedKey]: ...

    async def purges_of_keys(self, key_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per key id, the purge proof that destroyed it (``purge_id``, ``category``,
        ``policy_version``, ``executed_at``)."""
        ...

    async def requests_of(self, subject: str) -> list[dict[str, Any]]:
        """The subject's data-subject requests, the identity they gave opened."""
        ...

    async def accesses_of(self, subject: str) -> list[dict[str, Any]]:
        """Every recorded read of the subject's personal data, oldest first."""
        ...


class SubjectExport:
    def __init__(
        self, views: RetentionReads, shredder: KeyShredder, sources: ExportSources | None, clock: Clock
    ) -> None:
        self.views, self.shredder, self.sources, self.clock = views, shredder, sources, clock

    async def document(self, subject: str) -> dict[str, Any]:
        activity = await self.views.activity(subject)
        rows = await self.views.subject_events(subject)
        keys = await self.shredder.categories_of(subject)
        opened: dict[UUID, OpenedEvent] = {}
        reasons: dict[str, dict[str, Any]] = {}
        requests: list[dict[str, Any]] = []
        accesses: list[dict[str, Any]] = []
        if self.sources is not None:
            opened = await self.sources.open(subject, rows)
            reasons = await self._erasure_reasons(subject)
            requests = await self.sources.requests_of(subject)
            accesses = await self.sources.accesses_of(subject)
        events = [_event(row, opened.get(row["event_id"]), reasons) for row in rows]
        by_service: dict[str, int] = {}
        for event in events:
            by_service[event["service"]] = by_service.get(event["service"], 0) + 1
        return {
            "subject": subject,
            "exported_at": self.clock.now().astimezone(UTC).isoformat(),
            "language": language_of(events),
            "retention": None
            if activity is None
            else {
                "contract_end": activity.contract_end.isoformat() if activity.contract_end else None,
                "last_interaction": _iso(activity.last_interaction),
                "last_call": _iso(activity.last_call),
                "last_closure": _iso(activity.last_closure),
                "open_requests": activity.open_requests,
                "on_hold": activity.on_hold,
                "erased_categories": sorted(activity.erased),
            },
            "categories": {c: ("held" if live else "erased") for c, live in sorted(keys.items())},
            "erasures": sorted(reasons.values(), key=lambda r: (r["erased_at"], r["category"])),
            "events_by_service": by_service,
            "events": events,
            "subject_requests": requests,
            "accesses": accesses,
            "not_included": []
            if self.sources is not None
            else ["personal field values: this export was made without access to the key ring"],
        }

    async def _erasure_reasons(self, subject: str) -> dict[str, dict[str, Any]]:
        """Per destroyed key id: its category, when, and why (a purge's proof or a request)."""
        assert self.sources is not None
        destroyed = await self.sources.destroyed_keys(subject)
        if not destroyed:
            return {}
        purges = await self.sources.purges_of_keys([key.key_id for key in destroyed])
        reasons: dict[str, dict[str, Any]] = {}
        for key in destroyed:
            purge = purges.get(key.key_id)
            if purge is not None:
                why = (
                    f"retention period ended: purge {purge['purge_id']} under retention policy "
                    f"version {purge['policy_version']}"
                )
                cause: dict[str, Any] = {"purge_id": str(purge["purge_id"])}
            else:
                why = "erased at the person's request (right to erasure)"
                cause = {}
            reasons[key.key_id] = {
                "category": key.category,
                "erased_at": key.destroyed_at.astimezone(UTC).isoformat(),
                "why": why,
                **cause,
            }
        return reasons


def _event(
    row: Mapping[str, Any], opened: OpenedEvent | None, reasons: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    event_type: str = row["event_type"]
    erased = []
    for gone in opened.erased if opened else ():
        reason = reasons.get(gone.key_id or "") or {}
        erased.append(
            {
                "field": gone.field,
                "category": gone.category,
                "erased_at": reason.get("erased_at"),
                "why": reason.get("why", "the key of this category was destroyed"),
            }
        )
    return {
        "id": str(row["event_id"]),
        "type": event_type,
        "service": service_of(event_type),
        "stream_id": str(row["stream_id"]),
        "at": _iso(row["occurred_at"]),
        "data": row["data"],
        "personal_data": dict(opened.personal) if opened else {},
        "erased": erased,
        "withheld": list(opened.withheld) if opened else [],
        "personal_fields_held_by_producer": row["personal_fields"],
    }


def service_of(event_type: str) -> str:
    context = event_type.split(".", 1)[0]
    return context.replace("_", "-")


def language_of(events: Sequence[Mapping[str, Any]]) -> str:
    """The customer's language as intake last recorded it (registration or a change), else French."""
    language = FRENCH
    for event in events:
        if event["type"] == "intake.CustomerRegistered":
            language = event["data"].get("language") or language
        elif event["type"] == "intake.CustomerUpdated":
            changes = event["personal_data"].get("changes") or {}
            if isinstance(changes, dict) and isinstance(changes.get("language"), str):
                language = changes["language"]
    return ENGLISH if language.lower().startswith(ENGLISH) else FRENCH


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
