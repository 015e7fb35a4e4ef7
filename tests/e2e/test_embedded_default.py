"""`make run`'s process: every declared service starts on the embedded default and is ready."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from events.service.declaration import declared_services

SERVICES = tuple(service.name for service in declared_services())


def free_base_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + 5 < 65535 and all(_free(base + offset) for offset in range(5)):
            return base


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_all_five_services_start_on_sqlite_and_answer_readyz(tmp_path):
    base = free_base_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    environment |= {"GUICHET_BASE_PORT": str(base), "GUICHET_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "events.service.serve"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        statuses: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(statuses) < 5:
            for offset, name in enumerate(SERVICES):
                try:
                    response = httpx.get(f"http://127.0.0.1:{base + offset}/readyz", timeout=2)
                except httpx.TransportError:
                    continue
                if response.status_code == 200:
                    statuses[name] = response.status_code
            time.sleep(0.2)
        assert statuses == dict.fromkeys(SERVICES, 200)
        docs = httpx.get(f"http://127.0.0.1:{base}/openapi.json", timeout=5).json()
        assert docs["info"]["title"] == "Guichet Intake"
        # one database per service, and the personal-data keys every service shares
        assert sorted(p.name for p in (tmp_path / "data").glob("*.db")) == sorted(
            [*(f"{name}.db" for name in SERVICES), "keys.db"]
        )
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    for offset, name in enumerate(SERVICES):
        assert f"http://127.0.0.1:{base + offset}/docs" in output and name in output
