"""Field types every service's schemas and query parameters share: instants within sane bounds
and text that follows the printable-text rule (:mod:`events.text`).

An instant out of bounds, without a UTC offset or with a broken text is a 422 naming the field,
never a 500 further down (year 1 at +14:00 does not even fit a ``datetime`` once in UTC)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints

from events.bounds import EARLIEST, LATEST, check_instant
from events.text import clean_text

__all__ = [
    "EARLIEST",
    "LATEST",
    "Instant",
    "Line",
    "Text",
    "check_instant",
    "line",
    "text",
]

_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")


def _date_time_text(value: object) -> object:
    """An RFC 3339 date-time, as the OpenAPI ``format: date-time`` says: pydantic alone would
    also read a number, or a string of digits, as Unix time."""
    if isinstance(value, datetime) or (isinstance(value, str) and _DATE_TIME.match(value)):
        return value
    raise ValueError("expected an RFC 3339 date-time such as 2026-03-02T09:00:00+01:00")


Instant = Annotated[AwareDatetime, BeforeValidator(_date_time_text), AfterValidator(check_instant)]
"""A date-time with its UTC offset, between 1900 and 2200."""


def _single_line(value: str) -> str:
    return clean_text(value, multiline=False)


def _multi_line(value: str) -> str:
    return clean_text(value, multiline=True)


def line(max_length: int = 300) -> Any:
    """A single-line text of at most ``max_length`` characters once cleaned."""
    return Annotated[str, AfterValidator(_single_line), StringConstraints(max_length=max_length)]


def text(max_length: int = 20_000) -> Any:
    """A multi-line text (``\\n`` and ``\\t`` allowed) of at most ``max_length`` characters."""
    return Annotated[str, AfterValidator(_multi_line), StringConstraints(max_length=max_length)]


Line = line()
"""A subject, a name, a reason: one printable line, trimmed, non-empty, at most 300 characters."""
Text = text()
"""A description, a summary: printable lines, trimmed, non-empty, at most 20,000 characters."""
