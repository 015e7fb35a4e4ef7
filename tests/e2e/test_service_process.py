"""``python -m intake`` as operators run it: its port from ``GUICHET_PORT``, JSON on stderr, and a
start-up failure that ends in one line with the reason."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from events.service.serve import banner
from events.service.settings import ServiceSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(**values: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    return environment | values


def test_python_m_intake_listens_on_guichet_port_and_logs_json(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "intake"],
        env=clean_environment(GUICHET_PORT=str(port), GUICHET_DATA_DIR=str(tmp_path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 60
        while status != 200 and time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]
    assert any(line.get("event") == "service.ready" for line in lines)


def test_a_start_up_failure_prints_one_line_with_the_reason(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "intake"],
        env=clean_environment(
            GUICHET_PORT=str(free_port()),
            GUICHET_DATA_DIR=str(tmp_path),
            GUICHET_DATABASE_URL="mysql://guichet@127.0.0.1/intake",
            GUICHET_JWT_SECRET="x" * 40,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert "intake failed to start: ValueError: unsupported database URL scheme 'mysql'" in line
    assert "Traceback" not in result.stderr


def test_make_runs_banner_names_the_data_directory_in_use(tmp_path: Path) -> None:
    text = banner(ServiceSettings(data_dir=tmp_path / "elsewhere"))
    assert f"Data: {(tmp_path / 'elsewhere').resolve()} (SQLite)" in text
    assert "./data" not in text
    assert "Data: PostgreSQL" in banner(
        ServiceSettings(database_url="postgresql://h/db", jwt_secret="y" * 40)
    )
