"""Request and response bodies of retention's routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.catalogue.retention import Anchor, RequestKind


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeriodWrite(Body):
    category: str = Field(max_length=32)
    months: int = Field(ge=0, le=1200)
    anchor: Anchor
    basis: str = Field(min_length=1, max_length=500)


class PolicyWrite(Body):
    periods: list[PeriodWrite] = Field(min_length=1, max_length=20)
    reason: str | None = Field(default=None, max_length=2000)


class PolicyRead(BaseModel):
    policy_version: int
    periods: list[PeriodWrite]
    defined_by: str | None = None
    defined_at: datetime | None = None


class HoldWrite(Body):
    reason: str = Field(min_length=1, max_length=2000)


class HoldRead(BaseModel):
    subject: str
    on_hold: bool
    reason: str | None = None


class ServiceErasureRead(BaseModel):
    """What one service reported doing after an erasure or a purge (its ``SubjectDataErased``)."""

    subjects: int = Field(description="Subjects it reported on.")
    events_affected: int = Field(description="Its events sealed under the destroyed keys, now unreadable.")
    read_model_rows: int = Field(description="Rows of its read models blanked or removed.")
    parked_events: int = Field(description="Parked events whose clear personal values it blanked.")


class PurgeRead(BaseModel):
    purge_id: UUID
    category: str
    policy_version: int
    retained_before: datetime
    subjects: int
    events_affected: int
    key_ids: list[str]
    subjects_on_hold: int
    executed_at: datetime
    events_affected_by_service: dict[str, int] = {}
    """The events each producer reported made unreadable after this purge."""
    erased_by_service: dict[str, ServiceErasureRead] = Field(
        default={}, description="What each service reported doing after this purge (one report per subject)."
    )


class PurgeRunRead(BaseModel):
    purges: list[PurgeRead]


class SubjectRequestCreate(Body):
    kind: RequestKind
    customer_id: UUID | None = None
    identity: dict[str, str] = Field(
        min_length=1, max_length=20, description="The person as they named themselves (name, email, ...)"
    )
    channel: str = Field(default="email", max_length=32)


class IdentityVerification(Body):
    method: str = Field(min_length=1, max_length=500, description="How: ID document seen, account login...")


class ExtensionCreate(Body):
    months: int = Field(ge=1, le=2)
    reasons: str = Field(min_length=1, max_length=2000)
    person_told_at: datetime


class KeptRead(BaseModel):
    category: str
    reason: str
    until: date | None = None


class SubjectRequestRead(BaseModel):
    request_id: UUID
    version: int
    kind: str
    customer_id: UUID | None
    status: str
    received_at: datetime
    due_at: datetime
    verification: str | None
    extended_months: int
    exports: int
    erased: list[str] | None
    kept: list[KeptRead]
    warned: bool
    overdue: bool
    actions: list[str]
    events_affected_by_service: dict[str, int] = {}
    """After an erasure: the events each producer reported made unreadable."""
    erased_by_service: dict[str, ServiceErasureRead] = Field(
        default={},
        description="After an erasure: what each service reported doing (events made unreadable, "
        "read-model rows and parked events blanked). A service absent has not reported yet.",
    )


ExportFormat = Literal["json", "html", "text"]
"""``json`` (access and portability), ``html`` or ``text`` (the human-readable copy of an access)."""


class ExportRead(BaseModel):
    request_id: UUID
    data: dict[str, Any]


class AccessEntry(BaseModel):
    event_id: UUID
    reader: str
    roles: list[str]
    kind: str
    customer_id: UUID | None
    resource: str
    context: str
    source: str
    accessed_at: datetime


class AccessLogRead(BaseModel):
    items: list[AccessEntry]
