"""The event a fired timer emits: warning, breach, alert, relance due or escalation due."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue import sla_clock as sla

from .clock import ALERT, BREACH, WARNING
from .settlement import ACTUAL_AT, LATE_BY

ADVICE = {
    "first_response": "Answer the customer before the first-response deadline passes.",
    "next_update": "Send the customer a status update (state, next step, date of next update).",
    "resolution": "Tell the customer now, before the deadline: the gap, its cause, the action "
    "in progress and the new estimate with the next update time.",
    "commitment": "A promise to the customer is about to lapse: deliver, or tell them before "
    "it does, with the new date and the reason.",
    "data_subject_request": "A data-subject request is due within a week: answer the person, or, "
    "while the first month runs, extend it by one or two months and tell them why.",
}


def _advice(kind: str) -> str:
    return ADVICE.get(kind.split(":", 1)[0], ADVICE["resolution"])


def event_for(
    request_id: UUID,
    key: str,
    threshold: str,
    fire_at: datetime,
    due_at: datetime,
    explanation: dict[str, Any],
    emitted_at: datetime,
) -> DomainEvent:
    version = explanation.get("policy_version")
    deliverable = explanation.get("deliverable")
    if threshold == WARNING:
        return sla.SlaWarning(
            request_id=request_id,
            kind=key,
            due_at=due_at,
            threshold_at=fire_at,
            emitted_at=emitted_at,
            advice=_advice(key),
            policy_version=version,
            deliverable=deliverable,
        )
    if threshold == BREACH:
        actual = explanation.get(ACTUAL_AT)
        return sla.SlaBreached(
            request_id=request_id,
            kind=key,
            due_at=due_at,
            emitted_at=emitted_at,
            policy_version=version,
            deliverable=deliverable,
            actual_at=None if actual is None else datetime.fromisoformat(actual),
            late_by_seconds=explanation.get(LATE_BY),
        )
    if threshold == ALERT:
        return sla.SlaAlertRaised(
            request_id=request_id,
            alert=key.removeprefix("alert:"),
            since=datetime.fromisoformat(explanation["since"]),
            due_at=due_at,
            emitted_at=emitted_at,
        )
    customer_due = datetime.fromisoformat(explanation["customer_due_at"])
    # Timers armed before collection relances existed carry no relance_kind: customer_response.
    kind = explanation.get("relance_kind", "customer_response")
    missing = tuple(explanation.get("missing_fields", ()))
    if key.endswith("escalation"):
        return sla.EscalationDue(
            request_id=request_id,
            customer_due_at=customer_due,
            due_at=due_at,
            emitted_at=emitted_at,
            kind=kind,
            missing_fields=missing,
        )
    return sla.RelanceDue(
        request_id=request_id,
        ordinal=int(key.rsplit(":", 1)[1]),
        customer_due_at=customer_due,
        due_at=due_at,
        latest_at=datetime.fromisoformat(explanation["latest_at"]),
        emitted_at=emitted_at,
        kind=kind,
        missing_fields=missing,
    )
