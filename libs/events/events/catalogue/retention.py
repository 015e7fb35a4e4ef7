"""Events of the retention context (topic ``guichet.retention``).

Streams: the retention policy (``stream_type="retention_policy"``, one stream, each version a
``RetentionPolicyDefined``); one purge run per category (``retention_purge``: the proof shown
to the regulator); one legal-hold file per data subject (``legal_hold``); one data-subject
request (``subject_request``) from receipt to completion, with its one-month due date.

``ArchiveAccessed`` is written by the kit's access-log recorder
(``events.service.access_log``) into the store of the service that served the read (so it is
published on that service's topic); the retention service consumes it from every context.
A data subject is named as the platform's key ring names it: a customer's id as a string.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from events.catalogue import DomainEvent

RequestKind = Literal["access", "rectification", "erasure", "portability", "objection"]
Anchor = Literal["contract_end", "last_interaction", "request_closed", "recorded", "last_activity"]


class RetentionPeriod(BaseModel):
    """How long one category is kept: ``months`` counted from the subject's ``anchor``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str
    months: int
    anchor: Anchor
    basis: str


class KeptCategory(BaseModel):
    """A category an erasure left in place, and the legal reason it must stay."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str
    reason: str
    until: date | None = None


class RetentionPolicyDefined(DomainEvent, type="retention.RetentionPolicyDefined"):
    """A version of the retention periods, defined by the DPO (``defined_by``: token subject)."""

    policy_version: int
    periods: tuple[RetentionPeriod, ...]
    defined_by: str
    reason: str | None = None
    at: datetime


class RetentionPurgeExecuted(DomainEvent, type="retention.RetentionPurgeExecuted"):
    """Proof of one automatic purge of a category: which policy version ended the retention,
    how many subjects and events were made unreadable, which key ids were destroyed, and how
    many subjects a legal hold kept out. Recorded even when nothing was due (``subjects=0``)."""

    purge_id: UUID
    policy_version: int
    category: str
    retained_before: datetime
    subjects: int
    events_affected: int
    key_ids: tuple[str, ...]
    subjects_on_hold: int = 0
    at: datetime


class LegalHoldPlaced(DomainEvent, type="retention.LegalHoldPlaced"):
    subject: str
    reason: str
    placed_by: str
    at: datetime


class LegalHoldLifted(DomainEvent, type="retention.LegalHoldLifted"):
    subject: str
    reason: str
    lifted_by: str
    at: datetime


class DataSubjectRequestReceived(
    DomainEvent,
    type="retention.DataSubjectRequestReceived",
    pii=("identity",),
):
    """``due_at``: one calendar month from ``received_at`` (the same day of the next month, or
    its last day when it has none), for sla-clock to arm its warning (a week before) and breach
    (``SlaWarning`` / ``SlaBreached`` of kind ``data_subject_request``), which retention shows
    on the request. ``identity``
    is sealed under the request's own key (its stream is its data subject), not the customer's:
    erasing the customer keeps the record that they asked, which the controller must be able
    to show."""

    request_id: UUID
    kind: RequestKind
    customer_id: UUID | None = None
    identity: dict[str, str]
    channel: str
    received_by: str
    received_at: datetime
    due_at: datetime


class IdentityVerified(DomainEvent, type="retention.IdentityVerified"):
    request_id: UUID
    method: str
    verified_by: str
    at: datetime


class DataSubjectRequestExtended(DomainEvent, type="retention.DataSubjectRequestExtended"):
    """The due date pushed by up to two months, before the first month ended, with the
    person told (``person_told_at``) and the reasons; sla-clock moves its warning and breach."""

    request_id: UUID
    months: int
    due_at: datetime
    reasons: str
    person_told_at: datetime
    extended_by: str
    at: datetime


class DataExported(DomainEvent, type="retention.DataExported"):
    request_id: UUID
    subject: str
    format: str
    events_exported: int
    exported_by: str
    at: datetime


class SubjectErased(DomainEvent, type="retention.SubjectErased"):
    request_id: UUID
    subject: str
    categories: tuple[str, ...]
    kept: tuple[KeptCategory, ...]
    key_ids: tuple[str, ...]
    events_affected: int
    erased_by: str
    at: datetime


class ConsentWithdrawn(DomainEvent, type="retention.ConsentWithdrawn"):
    request_id: UUID
    subject: str
    purpose: str
    at: datetime


class DataSubjectRequestCompleted(DomainEvent, type="retention.DataSubjectRequestCompleted"):
    """``actions``: what was done, in the words confirmed to the person."""

    request_id: UUID
    actions: tuple[str, ...]
    completed_by: str
    at: datetime


class ArchiveAccessed(DomainEvent, type="retention.ArchiveAccessed"):
    """One read of personal data: ``reader`` (token subject) read ``resource`` of
    ``customer_id`` (``kind``: ``customer``, ``customer_history``, ``request``,
    ``request_timeline``, ``document``, ``export``…) through ``context`` (the service and
    route)."""

    reader: str
    roles: tuple[str, ...] = ()
    kind: str
    customer_id: UUID | None = None
    resource: str
    context: str
    at: datetime


class ServiceDataErased(DomainEvent):
    """What one service did once a data subject's keys were destroyed: the shape of every
    producer's report (each declares ``<context>.SubjectDataErased`` on its own topic, built by
    ``events.service.erasure``), which retention collects into the erasure's or purge's proof.

    ``cause``: ``erasure`` with the data-subject request's id, or ``purge`` with the purge's id
    as ``cause_id``. ``events_affected``: the service's events sealed under ``key_ids``;
    ``read_model_rows``: rows of its read models blanked or removed; ``parked_events``: parked
    events whose clear personal values were blanked."""

    cause: str
    cause_id: UUID
    subject: str
    categories: tuple[str, ...]
    key_ids: tuple[str, ...]
    events_affected: int
    read_model_rows: int = 0
    parked_events: int = 0
    at: datetime
