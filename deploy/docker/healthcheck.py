"""Container healthcheck: GET http://127.0.0.1:<port><path> with the standard library only.

Usage: ``python healthcheck.py [/healthz|/readyz]``. The port is ``GUICHET_PORT`` when set,
otherwise the default port of the service this container runs (``python -m <package>`` as
PID 1), otherwise 8001. Exit status 0 on HTTP 2xx, 1 on anything else.
"""

from __future__ import annotations

import importlib
import os
import sys
import urllib.request


def service_port() -> int:
    if os.environ.get("GUICHET_PORT"):
        return int(os.environ["GUICHET_PORT"])
    try:
        with open("/proc/1/cmdline", "rb") as handle:
            argv = [part.decode() for part in handle.read().split(b"\0") if part]
        package = argv[argv.index("-m") + 1]
        return int(importlib.import_module(f"{package}.service").DEFINITION.default_port)
    except (OSError, ValueError, IndexError, ImportError, AttributeError):
        return 8001


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
    url = f"http://127.0.0.1:{service_port()}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if 200 <= response.status < 300 else 1
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
