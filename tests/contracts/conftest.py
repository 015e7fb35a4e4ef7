"""The official AsyncAPI parser, installed from ``tools/asyncapi``'s lock on first use.

``npm ci`` runs when ``node_modules`` is missing or was installed from another lock (a stamp
holds the lock's hash). No Node, no npm or no registry is a failure with the reason: the
contract check is part of the suite, never skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

TOOLS = Path(__file__).parents[2] / "tools" / "asyncapi"
LOCK = TOOLS / "package-lock.json"
STAMP = TOOLS / "node_modules" / ".guichet-lock-sha256"


def _install_from_lock(npm: str) -> None:
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    with open(TOOLS / ".install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one install at a time across pytest processes
        if STAMP.is_file() and STAMP.read_text() == wanted:
            return
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS,
            capture_output=True,
            text=True,
            timeout=240,
        )
        if done.returncode != 0:
            pytest.fail(f"`npm ci` in {TOOLS} failed ({done.returncode}): {done.stderr.strip()}")
        STAMP.write_text(wanted)


@pytest.fixture(scope="session")
def asyncapi_parser() -> Iterator[list[str]]:
    """The command that parses one AsyncAPI document and prints the diagnostics as JSON."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("the AsyncAPI contract check needs Node.js and npm on PATH")
    _install_from_lock(npm)
    yield [node, str(TOOLS / "validate.mjs")]
