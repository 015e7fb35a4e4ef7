"""Events of the SLA clock context (topic ``guichet.sla_clock``).

Stream per request (``stream_type="sla"``, id = uuid5 of the request id): the warnings,
breaches, alerts and relance reminders of that request, each emitted exactly once per
``(kind, due_at)``. Stream per policy / calendar (``sla_policy`` / ``sla_calendar``): their
versions, so every rule change is itself recorded.

``kind`` names the deadline: ``first_response``, ``next_update``, ``resolution`` or
``commitment:<commitment id>``; ``data_subject_request`` is the one-month deadline of a
data-subject request consumed from retention (``request_id`` is then retention's request id,
the warning a week before its due date, docs/domain.md §16.3). On ``RelanceDue`` /
``EscalationDue`` it names the relance schedule instead: ``customer_response`` (the customer
missed the date of an ``AwaitingCustomer``), ``collection`` (mandatory information was missing
at reception, docs/domain.md §1.3: the request was accepted and flagged, and the information
must be collected), ``informative`` (the resolution deadline passed: progress news) or
``validation`` (after the resolution: the customer confirms the solution worked).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue.retention import ServiceDataErased


class SlaWarning(DomainEvent, type="sla_clock.SlaWarning"):
    """80 % of a deadline has elapsed: inform the customer before it passes."""

    request_id: UUID
    kind: str
    due_at: datetime
    threshold_at: datetime
    emitted_at: datetime
    advice: str
    policy_version: int | None = None
    deliverable: str | None = None


class SlaBreached(DomainEvent, type="sla_clock.SlaBreached"):
    """100 % of a deadline has elapsed without the awaited step. When the step is known to have
    come late (the breach is recorded from the facts), ``actual_at`` is when it came and
    ``late_by_seconds`` how long after ``due_at``; both are absent when the breach is emitted
    as the deadline passes."""

    request_id: UUID
    kind: str
    due_at: datetime
    emitted_at: datetime
    policy_version: int | None = None
    deliverable: str | None = None
    actual_at: datetime | None = None
    late_by_seconds: float | None = None


class SlaAlertRaised(DomainEvent, type="sla_clock.SlaAlertRaised"):
    """An operational alert: ``no_response`` (4 h), ``pending_too_long`` (24 h without any
    movement), ``escalation_not_taken`` (1 h)."""

    request_id: UUID
    alert: str
    since: datetime
    due_at: datetime
    emitted_at: datetime


RelanceKind = Literal["customer_response", "collection", "informative", "validation"]


class RelanceDue(DomainEvent, type="sla_clock.RelanceDue"):
    """Relance number ``ordinal`` should go out from ``due_at``, at the latest by
    ``latest_at``; ``customer_due_at`` is the instant its schedule counts from.

    ``kind`` ``customer_response`` (the default, what events stored before the field meant):
    the customer missed ``customer_due_at``, the date set by ``AwaitingCustomer``.
    ``collection``: mandatory information was missing at reception; ``customer_due_at`` is then
    the reception instant (when that information was due) and ``missing_fields`` says what to
    ask for. ``informative``: the request takes longer than planned; ``customer_due_at`` is the
    resolution deadline that passed. ``validation``: the request was resolved and the customer
    is asked to confirm the solution worked; ``customer_due_at`` is the resolution instant
    (docs/domain.md §8)."""

    request_id: UUID
    ordinal: int
    customer_due_at: datetime
    due_at: datetime
    latest_at: datetime
    emitted_at: datetime
    kind: RelanceKind = "customer_response"
    missing_fields: tuple[str, ...] = ()


class EscalationDue(DomainEvent, type="sla_clock.EscalationDue"):
    """No answer 10 days after the first relance (and two relances sent): escalate or close.
    ``kind`` and ``missing_fields`` as in ``RelanceDue``; for ``validation``, 10 days after
    the resolution (the no-answer timeout of docs/domain.md §10.2), two relances sent."""

    request_id: UUID
    customer_due_at: datetime
    due_at: datetime
    emitted_at: datetime
    kind: RelanceKind = "customer_response"
    missing_fields: tuple[str, ...] = ()


class SlaPolicyDefined(DomainEvent, type="sla_clock.SlaPolicyDefined"):
    """A new version of the SLA policy. ``policy`` is ``SlaPolicy.to_spec()``; ``calendar``
    names the business calendar its business-time targets count on."""

    version: int
    policy: dict[str, Any]
    calendar: str
    defined_by: str
    reason: str
    at: datetime


class CalendarDefined(DomainEvent, type="sla_clock.CalendarDefined"):
    """A business calendar (``BusinessCalendar.to_spec()``), new or replacing its namesake."""

    name: str
    calendar: dict[str, Any]
    defined_by: str
    at: datetime


class SubjectDataErased(ServiceDataErased, type="sla_clock.SubjectDataErased"):
    """The SLA clock's report after retention destroyed a data subject's keys: its read models
    keep no clear personal value (ids, instants, counts), so it blanks nothing and says so."""
