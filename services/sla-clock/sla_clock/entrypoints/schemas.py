"""HTTP contract of the SLA clock (not the domain's types)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PolicyRead(BaseModel):
    version: int
    calendar: str
    policy: dict[str, Any]
    defined_by: str | None = None
    reason: str | None = None
    at: str | None = None


class PolicyUpdate(BaseModel):
    """The next policy version: ``policy`` is ``SlaPolicy.to_spec()`` (its version is ignored)."""

    policy: dict[str, Any]
    calendar: str = "france"
    reason: str = Field(min_length=3)


class CalendarUpdate(BaseModel):
    """``BusinessCalendar.to_spec()``; its ``name`` must match the path."""

    calendar: dict[str, Any]


class RebuildRead(BaseModel):
    status: str
    detail: str
