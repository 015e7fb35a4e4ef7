"""Field types shared by the HTTP schemas: bounded text, no control characters, aware instants."""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


_Printable = AfterValidator(_printable)

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), _Printable]
"""A subject, a name, a reason: trimmed, non-empty, at most 300 characters."""
Paragraph = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), _Printable
]
"""A description, a summary, a resolution (newlines and tabs allowed)."""
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\w .:/-]+$")
]
"""Organisation data: a category, a team, an agent login."""


class Body(BaseModel):
    """Every request body: unknown fields are refused (422 naming them)."""

    model_config = ConfigDict(extra="forbid")
