"""A service whose settings are refused stops at start-up with one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def test_a_refused_service_process_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        from events.service.runtime import ServiceDefinition
        from events.service.serve import serve

        serve(ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit"))
        """
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GUICHET_")}
    environment |= {"GUICHET_HOST": "0.0.0.0", "GUICHET_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "kit refused to start: the development JWT secret is refused on GUICHET_HOST=0.0.0.0 "
        "(not loopback): set GUICHET_JWT_SECRET or GUICHET_JWT_PUBLIC_KEY"
    ]
