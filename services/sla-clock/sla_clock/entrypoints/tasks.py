"""Work a route starts and does not wait for (re-arming after a rule change, a rebuild)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

_running: set[asyncio.Task[Any]] = set()


def spawn(work: Coroutine[Any, Any, Any]) -> None:
    """Run ``work`` in the background, keeping a reference until it ends."""
    task = asyncio.create_task(work)
    _running.add(task)
    task.add_done_callback(_running.discard)
