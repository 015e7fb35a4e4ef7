"""The HTTP contract of the recorded authorisations (habilitations, substitutions)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from approvals.entrypoints.schemas import AmountBody, Person
from events.service.fields import Instant, Line, Text

Team = Annotated[str, Field(min_length=1, max_length=64)]
Kind = Annotated[str, Field(min_length=1, max_length=64)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HabilitationCreate(Input):
    person: Person = Field(description="The subject (`sub`) of the person's token")
    level: int = Field(description="2 (a manager) or 3 (director or legal)")
    teams: list[Team] = Field(default_factory=list, max_length=100, description="Empty: every team")
    kinds: list[Kind] = Field(default_factory=list, max_length=100, description="Empty: every kind")
    amount_ceiling: AmountBody | None = Field(default=None, description="None: no amount limit")
    valid_from: Instant | None = Field(default=None, description="Default: now")
    valid_until: Instant | None = Field(default=None, description="Excluded; None: until revoked")
    reason: Text | None = None


class RevocationCreate(Input):
    reason: Text | None = None


class CeilingRead(BaseModel):
    amount: Decimal
    currency: str


class HabilitationRead(BaseModel):
    habilitation_id: UUID
    person: str
    level: int
    teams: list[str]
    kinds: list[str]
    amount_ceiling: CeilingRead | None
    valid_from: datetime
    valid_until: datetime | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    in_force: bool = Field(description="At the instant of the answer")


class SubstitutionCreate(Input):
    absent: Person
    substitute: Person
    valid_from: Instant
    valid_until: Instant = Field(description="Excluded")
    reason: Line | None = None


class SubstitutionRead(BaseModel):
    substitution_id: UUID
    absent: str
    substitute: str
    valid_from: datetime
    valid_until: datetime
    appointed_by: str
    appointed_at: datetime
    running: bool = Field(description="At the instant of the answer")
