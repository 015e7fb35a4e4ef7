"""The kit's field types: bounded instants and the printable-text rule (events.text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

import pytest
from pydantic import StringConstraints, TypeAdapter, ValidationError

from events.service.fields import Instant, Line, PrintableLine, Text, check_instant
from events.text import UnprintableText, clean_text, strip_invisible

LINE = TypeAdapter(Line)
TEXT = TypeAdapter(Text)
INSTANT = TypeAdapter(Instant)


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1899-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
    ],
)
def test_instants_outside_1900_2200_are_refused_without_overflowing(value: str) -> None:
    with pytest.raises(ValidationError, match="must lie between 1900-01-01 and 2200-01-01"):
        INSTANT.validate_python(value)


def test_an_instant_needs_a_utc_offset() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        INSTANT.validate_python("2026-03-02T09:00:00")
    with pytest.raises(ValueError, match="UTC offset"):
        check_instant(datetime(2026, 3, 2, 9))


def test_instants_inside_the_bounds_are_kept_with_their_offset() -> None:
    paris = timezone(timedelta(hours=1))
    assert INSTANT.validate_python("2026-03-02T09:00:00+01:00") == datetime(2026, 3, 2, 9, tzinfo=paris)
    assert INSTANT.validate_python("1900-01-01T00:00:00Z") == datetime(1900, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("75\x0001", "control characters"),
        ("Hello\r\nBcc: eve@example.com", "line breaks"),
        ("Hello\nthere", "line breaks"),
        ("tab\there", "control characters"),
        ("invoice\u202efdp.exe", r"bidirectional control U\+202E"),
        ("\u200b", "empty"),
        ("   ", "empty"),
        ("a\u2028b", "line breaks"),
        ("lone \ud800 surrogate", "control characters"),
    ],
)
def test_a_single_line_refuses_what_is_not_printable(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        LINE.validate_python(value)


def test_a_single_line_is_nfc_trimmed_and_loses_its_zero_width_characters() -> None:
    assert LINE.validate_python("  Jo\u200bse\u0301 \ufeff") == "José"


def test_a_multi_line_text_keeps_newlines_and_tabs_only() -> None:
    assert TEXT.validate_python("line one\r\n\tline two\n") == "line one\n\tline two"
    with pytest.raises(ValidationError, match="line breaks"):
        TEXT.validate_python("carriage\ronly")
    with pytest.raises(ValidationError, match="control characters"):
        TEXT.validate_python("bell\x07")


def test_the_length_bound_counts_the_cleaned_text() -> None:
    short = TypeAdapter(Annotated[PrintableLine, StringConstraints(max_length=5)])
    assert short.validate_python("ab\u200b\u200b\u200b\u200bc") == "abc"
    with pytest.raises(ValidationError, match="at most 5"):
        short.validate_python("abcdef")


def test_the_pure_rule_is_the_same_without_pydantic() -> None:
    assert clean_text("Ma\u200brie") == "Marie"
    assert strip_invisible("Ma\u200brie\u2060") == "Marie"
    with pytest.raises(UnprintableText):
        clean_text("x\x00")
