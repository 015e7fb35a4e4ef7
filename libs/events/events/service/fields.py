"""Field types every service's schemas and query parameters share: instants within sane bounds
and text that follows the printable-text rule (:mod:`events.text`).

An instant out of bounds, without a UTC offset or with a broken text is a 422 naming the field,
never a 500 further down (year 1 at +14:00 does not even fit a ``datetime`` once in UTC)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints

from events.bounds import EARLIEST, LATEST, check_instant
from events.text import clean_text

__all__ = [
    "EARLIEST",
    "LATEST",
    "Instant",
    "Line",
    "PrintableLine",
    "PrintableText",
    "Text",
    "check_instant",
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


PrintableLine = Annotated[str, AfterValidator(_single_line)]
"""One printable line, any length: bound it where it is used, e.g.
``Annotated[PrintableLine, StringConstraints(max_length=16)]`` (the bound counts the cleaned text)."""
PrintableText = Annotated[str, AfterValidator(_multi_line)]
"""Printable lines (``\n`` and ``\t`` allowed), any length: bound it where it is used."""
Line = Annotated[PrintableLine, StringConstraints(min_length=1, max_length=300)]
"""A subject, a name, a reason: one printable line, trimmed, non-empty, at most 300 characters."""
Text = Annotated[PrintableText, StringConstraints(min_length=1, max_length=20_000)]
"""A description, a summary: printable lines, trimmed, non-empty, at most 20,000 characters."""
