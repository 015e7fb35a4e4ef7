"""HTTP contract of customers: `CustomerCreate`/`CustomerUpdate` in, `CustomerRead` out."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from events.vocabulary import Channel
from intake.domain.vocabulary import CustomerProfile, Language
from intake.entrypoints.fields import Body, Code, Email, Line, Phone, PostalCode

Country = Annotated[str, Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. FR")]


class AddressCreate(Body):
    street: Line | None = None
    postal_code: PostalCode | None = None
    city: Line | None = None
    country: Country = "FR"


class CreateAnyway(Body):
    action: Literal["create_anyway"]
    reason: Line = Field(description="Why the suspected duplicates are different customers.")


class MergeIntoExisting(Body):
    action: Literal["merge_into"]
    customer_id: UUID = Field(description="The existing customer this one really is.")


DuplicateDecision = Annotated[CreateAnyway | MergeIntoExisting, Field(discriminator="action")]


class CustomerFields(Body):
    first_name: Line | None = None
    last_name: Line | None = None
    company: Line | None = None
    email: Email | None = None
    phone: Phone | None = Field(None, description="Any usual form; stored in E.164 (+33612345678).")
    preferred_channel: Channel | None = None
    contract_refs: list[Code] = Field(default_factory=list, max_length=50)
    contract_end: date | None = None


class CustomerCreate(CustomerFields):
    profile: CustomerProfile
    address: AddressCreate | None = None
    language: Language = Language.FR
    prospection_consent: bool = False
    duplicate_decision: DuplicateDecision | None = Field(
        None, description="Required when the first attempt answered 409 duplicate-suspected."
    )


class AddressUpdate(Body):
    street: Line | None = None
    postal_code: PostalCode | None = None
    city: Line | None = None
    country: Country | None = None


class CustomerUpdate(CustomerFields):
    """Only the fields sent change; null clears an optional field."""

    profile: CustomerProfile | None = None
    address: AddressUpdate | None = None
    language: Language | None = None
    contract_refs: list[Code] | None = Field(None, max_length=50)  # type: ignore[assignment]
    prospection_consent: bool | None = None


class MergeCreate(Body):
    survivor_id: UUID = Field(description="The record that stays; this one becomes a redirect to it.")
    reason: Line


class AddressRead(BaseModel):
    street: str | None
    postal_code: str | None
    city: str | None
    country: str


class CustomerRead(BaseModel):
    customer_id: UUID
    version: int = Field(description="Stream version; also the ETag. Send it as If-Match.")
    profile: CustomerProfile
    first_name: str | None
    last_name: str | None
    company: str | None
    email: str | None
    phone: str | None
    address: AddressRead
    language: Language
    preferred_channel: Channel | None
    contract_refs: list[str]
    contract_end: date | None
    obsolete: bool = Field(description="The contract has ended: contact data may be stale.")
    prospection_consent: bool
    duplicate_override_reason: str | None
    merged_into: UUID | None = Field(description="Set when this record was merged: read that one.")
    merged_ids: list[UUID] = Field(description="Records merged into this one.")
    created_at: datetime
    updated_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None


class HistoryEntry(BaseModel):
    version: int
    type: str
    recorded_at: datetime | None
    actor: str | None
    data: dict[str, object]


class LinkedRecord(BaseModel):
    customer_id: UUID
    history: str = Field(description="Path of that record's own history.")


class CustomerHistory(BaseModel):
    customer_id: UUID
    merged_into: LinkedRecord | None = Field(
        description="Set when this record was merged: the survivor, whose history goes on."
    )
    merged: list[LinkedRecord] = Field(
        description="Records merged into this one; each keeps its own history, reachable here."
    )
    entries: list[HistoryEntry] = Field(
        description="Oldest first. A merge is recorded on both records: intake.CustomersMerged "
        "on the merged one, intake.CustomerAbsorbed (data.merged_id) on the survivor."
    )
