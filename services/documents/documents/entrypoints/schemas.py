"""The HTTP contract of the documents service (not the domain's types)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Base64Bytes, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.networks import validate_email

from documents.domain.kinds import DocumentKind, DocumentStatus, Language, Profile, SendingChannel
from documents.domain.requirements import BUSINESS_REQUIRED, OPTIONAL, REQUIRED
from events.service.fields import Line, Text

_KINDS = "; ".join(
    f"**{kind.value}**: {', '.join(fields)}"
    + (f" (optional: {', '.join(OPTIONAL[kind])})" if OPTIONAL[kind] else "")
    for kind, fields in REQUIRED.items()
)
CONTENT_DESCRIPTION = (
    "The document's fields, by kind (dotted paths name nested objects; amounts are decimal "
    f"strings): {_KINDS}. A business (b2b) customer's quote, amendment or order confirmation "
    f"also needs {', '.join(BUSINESS_REQUIRED)}. Every missing field is named in one 422."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentCreate(Strict):
    name: Line
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)]
    content: Annotated[Base64Bytes, Field(description="Base64; over the organisation's size limit: 422")]


Recipient = Annotated[str, Field(min_length=1, max_length=320)]


class DocumentBody(Strict):
    channel: SendingChannel
    recipients: Annotated[
        list[Recipient],
        Field(
            min_length=1,
            max_length=20,
            description="Email addresses for email; names and addresses otherwise",
        ),
    ]
    content: Annotated[dict[str, Any], Field(description=CONTENT_DESCRIPTION)]
    attachments: Annotated[list[AttachmentCreate], Field(max_length=10)] = []

    @field_validator("recipients")
    @classmethod
    def emails_for_email(cls, recipients: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("channel") is SendingChannel.EMAIL:
            return [validate_email(recipient)[1] for recipient in recipients]
        return recipients


class DocumentCreate(DocumentBody):
    kind: DocumentKind
    customer_id: UUID
    request_id: UUID | None = None
    profile: Profile
    language: Language = Language.FR


class DocumentEdit(DocumentBody):
    pass


class DocumentRead(BaseModel):
    document_id: UUID
    version: int
    kind: DocumentKind
    status: DocumentStatus
    number: str | None
    customer_id: UUID
    request_id: UUID | None
    profile: Profile
    language: Language
    channel: SendingChannel
    template_version: int
    content_hash: str | None = Field(description="The hash submitted for validation, if any")
    accepted: bool
    drafted_at: datetime
    issued_at: datetime | None
    updated_at: datetime


class DocumentList(BaseModel):
    items: list[DocumentRead]


class TemplatePut(Strict):
    source: Annotated[
        Text, Field(description="Jinja2 (sandboxed, autoescaped); tags p, br, strong, em, ul, ol, li")
    ]


class TemplateVersionRead(BaseModel):
    kind: DocumentKind
    language: Language
    profile: Profile
    version: int
    source: str
    defined_by: str
    defined_at: datetime


class TemplateHistory(BaseModel):
    versions: list[TemplateVersionRead]
