"""RequestState <-> JSON-ready dict (the ``state`` column of the read model)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from .request_state import Commitment, RequestState

_INSTANTS = (
    "received_at",
    "resolution_start",
    "paused_since",
    "first_response_at",
    "last_update_at",
    "last_activity_at",
    "resolved_at",
    "closed_at",
    "escalated_at",
    "customer_due_at",
    "answered_resolution_at",
)


def _t(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _s(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def encode(state: RequestState) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": str(state.request_id),
        "channel": state.channel,
        "reference": state.reference,
        "priority": state.priority,
        "profile": state.profile,
        "team": state.team,
        "status": state.status,
        "reopened_count": state.reopened_count,
        "escalated": state.escalated,
        "interactions": state.interactions,
        "first_contact": state.first_contact,
        "csat": state.csat,
        "nps": state.nps,
        "pauses": [[_s(a), _s(b)] for a, b in state.pauses],
        "relances_sent": [_s(t) for t in state.relances_sent],
        "missing_fields": list(state.missing_fields),
        "collection_relances_sent": [_s(t) for t in state.collection_relances_sent],
        "informative_relances_sent": [_s(t) for t in state.informative_relances_sent],
        "validation_relances_sent": [_s(t) for t in state.validation_relances_sent],
        "commitments": [
            {
                "commitment_id": str(c.commitment_id),
                "deliverable": c.deliverable,
                "made_at": _s(c.made_at),
                "due_at": _s(c.due_at),
                "fulfilled_at": _s(c.fulfilled_at),
            }
            for c in state.commitments
        ],
    }
    data.update({name: _s(getattr(state, name)) for name in _INSTANTS})
    return data


def decode(data: dict[str, Any]) -> RequestState:
    plain = {k: v for k, v in data.items() if k not in _INSTANTS}
    instants = {name: _t(data.get(name)) for name in _INSTANTS}
    plain.update(
        request_id=UUID(data["request_id"]),
        pauses=tuple((_t(a), _t(b)) for a, b in data["pauses"]),
        relances_sent=tuple(_t(t) for t in data["relances_sent"]),
        # Absent from states saved before collection relances existed.
        missing_fields=tuple(data.get("missing_fields", ())),
        collection_relances_sent=tuple(_t(t) for t in data.get("collection_relances_sent", ())),
        informative_relances_sent=tuple(_t(t) for t in data.get("informative_relances_sent", ())),
        validation_relances_sent=tuple(_t(t) for t in data.get("validation_relances_sent", ())),
        commitments=tuple(
            Commitment(
                UUID(c["commitment_id"]),
                c["deliverable"],
                datetime.fromisoformat(c["made_at"]),
                datetime.fromisoformat(c["due_at"]),
                _t(c["fulfilled_at"]),
            )
            for c in data["commitments"]
        ),
    )
    return RequestState(**plain, **instants)  # type: ignore[arg-type]
