"""The generated AsyncAPI document, read by the official AsyncAPI parser (``@asyncapi/parser``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from events.asyncapi import ASYNCAPI_VERSION, render
from events.catalogue import load_all

DOCUMENT = Path(__file__).parents[2] / "docs" / "asyncapi.json"


def parse(command: list[str], document: Path) -> dict[str, Any]:
    done = subprocess.run([*command, str(document)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"the parser did not run: {done.stderr.strip()}"
    return json.loads(done.stdout)


def published_event_count() -> int:
    registry = load_all()
    return sum(1 for model in registry if model.__module__.startswith("events.catalogue."))


def test_the_generated_document_parses_with_no_error_and_every_message(
    asyncapi_parser: list[str], tmp_path: Path
) -> None:
    generated = tmp_path / "asyncapi.json"
    generated.write_text(render())
    report = parse(asyncapi_parser, generated)
    problems = [d for d in report["diagnostics"] if d["severity"] in ("error", "warning")]
    assert problems == []
    assert report["version"] == ASYNCAPI_VERSION == "3.1.0"
    assert report["messages"] == published_event_count() > 32  # every context publishes


def test_the_checked_in_document_parses_with_no_error(asyncapi_parser: list[str]) -> None:
    report = parse(asyncapi_parser, DOCUMENT)
    assert [d for d in report["diagnostics"] if d["severity"] == "error"] == []
    assert report["messages"] == published_event_count()


def test_the_parser_reports_a_dangling_reference(asyncapi_parser: list[str], tmp_path: Path) -> None:
    """The check can fail: a reference to nothing is an error the parser names."""
    document = json.loads(render())
    payload = document["components"]["messages"]["intake_CustomerRegistered"]["payload"]
    payload["properties"]["address"]["anyOf"][0]["$ref"] = "#/$defs/PostalAddress"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    errors = [d for d in parse(asyncapi_parser, broken)["diagnostics"] if d["severity"] == "error"]
    assert [(e["code"], e["message"]) for e in errors] == [
        ("invalid-ref", "'#/$defs/PostalAddress' does not exist")
    ]
