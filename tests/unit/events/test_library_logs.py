"""Library log lines (aiokafka, uvicorn) are JSON like the services' own, and a warning a library
repeats during an outage is written once per interval with the number left out."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from events.observability.logs import configure_logging


def lines_of(captured: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


@pytest.fixture
def clock() -> list[float]:
    return [100.0]


@pytest.fixture(autouse=True)
def json_logs(clock: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    """After capsys: the handler writes to the stderr of the moment."""
    configure_logging("INFO", json=True, repeat_interval=30.0, clock=lambda: clock[0])


def test_library_records_are_rendered_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
    logging.getLogger("sqlalchemy.pool").error("Exception during reset or similar")
    [uvicorn, sqlalchemy] = lines_of(capsys.readouterr().err)
    assert uvicorn["logger"] == "uvicorn.error"
    assert uvicorn["level"] == "warning"
    assert uvicorn["event"] == "Invalid HTTP request received."
    assert "timestamp" in uvicorn
    assert sqlalchemy["logger"] == "sqlalchemy.pool"
    assert sqlalchemy["level"] == "error"


def test_a_repeated_connection_error_is_written_once_per_interval_with_a_count(
    capsys: pytest.CaptureFixture[str], clock: list[float]
) -> None:
    aiokafka = logging.getLogger("aiokafka.conn")
    for attempt in range(1700):
        clock[0] = 100.0 + attempt * 0.01  # 17 s of an outage
        aiokafka.error("Unable connect to %r: %s", f"127.0.0.1:{9000 + attempt % 3}", "Connect call failed")
    [first] = lines_of(capsys.readouterr().err)
    assert first["logger"] == "aiokafka.conn"
    assert first["event"] == "Unable connect to '127.0.0.1:9000': Connect call failed"
    assert "suppressed" not in first

    clock[0] = 131.0
    aiokafka.error("Unable connect to %r: %s", "127.0.0.1:9001", "Connect call failed")
    [summary] = lines_of(capsys.readouterr().err)
    assert summary["suppressed"] == 1699
    assert summary["suppressed_over_seconds"] == 31.0


@pytest.fixture
def uvicorn_info() -> Iterator[None]:
    """uvicorn's logger at INFO: a uvicorn started earlier in the session leaves it at its own
    log level (the services run it at WARNING)."""
    logger = logging.getLogger("uvicorn.error")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


def test_other_kinds_and_informational_records_are_not_held_back(
    capsys: pytest.CaptureFixture[str], uvicorn_info: None
) -> None:
    aiokafka = logging.getLogger("aiokafka")
    aiokafka.warning("Unable to request metadata from node with id %s: %r", 1, "timeout")
    aiokafka.warning("Unable to request metadata from node with id %s: %r", 1, "timeout")
    aiokafka.warning("Topic %s not found in cluster metadata", "guichet.intake")
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("uvicorn.error").info("Started server process")
    events = [line["event"] for line in lines_of(capsys.readouterr().err)]
    assert events == [
        "Unable to request metadata from node with id 1: 'timeout'",
        "Topic guichet.intake not found in cluster metadata",
        "Started server process",
        "Started server process",
    ]


def test_configuring_again_installs_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(5):  # make run: one call per service
        configure_logging("INFO", json=True)
    logging.getLogger("aiokafka").warning("once")
    assert len(lines_of(capsys.readouterr().err)) == 1
