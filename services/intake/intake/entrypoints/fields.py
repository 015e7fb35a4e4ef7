"""Field types shared by the HTTP schemas: the kit's printable text and bounded instants, and
intake's organisation codes."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from events.service.fields import Instant, Line, PrintableLine, Text

__all__ = ["Body", "Code", "Email", "Instant", "Line", "Paragraph", "Phone", "PostalCode"]

Paragraph = Text
"""A description, a summary, a resolution (newlines and tabs allowed), at most 20,000 characters."""
PostalCode = Annotated[PrintableLine, StringConstraints(max_length=16)]
Email = Annotated[PrintableLine, StringConstraints(min_length=3, max_length=320)]
Phone = Annotated[PrintableLine, StringConstraints(min_length=3, max_length=40)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\w .:/-]+$")
]
"""Organisation data: a category, a team, an agent login."""


class Body(BaseModel):
    """Every request body: unknown fields are refused (422 naming them)."""

    model_config = ConfigDict(extra="forbid")
