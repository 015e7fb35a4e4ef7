"""The service kit without an app: token verification, settings, stopping tasks.

Time is injected: token expiry is checked against a given clock, and stopping runs on an
event loop whose clock jumps to its next timer instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import selectors
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from pydantic import ValidationError

from events.service.auth import issue_token, verify_token
from events.service.problems import Problem
from events.service.runtime import finish
from events.service.settings import ServiceSettings


class VirtualTimeSelector(selectors.DefaultSelector):
    """Polls real I/O without blocking and counts the time it was asked to wait instead."""

    def __init__(self) -> None:
        super().__init__()
        self.virtual_time = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:  # no timer pending: only I/O can wake the loop
            return super().select(None)
        self.virtual_time += timeout
        return super().select(0)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time: when nothing is ready, its clock moves to the next timer
    at once, so timeouts cost no wall-clock time."""

    def __init__(self) -> None:
        self.selector = VirtualTimeSelector()
        super().__init__(self.selector)

    def time(self) -> float:
        return self.selector.virtual_time


def test_a_verified_token_is_remembered_only_until_it_expires() -> None:
    settings = ServiceSettings(service="kit", log_json=False)
    token = issue_token("alice", ttl=timedelta(seconds=1))
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert verify_token(token, settings, now=lambda: expires - 0.5).subject == "alice"
    assert verify_token(token, settings, now=lambda: expires - 0.5).subject == "alice"  # cached
    with pytest.raises(Problem) as refused:  # the same token, checked with another key
        verify_token(
            token,
            settings.model_copy(update={"jwt_secret": "another-secret-0123456789abcdef-32"}),
            now=lambda: expires - 0.5,
        )
    assert "Signature" in str(refused.value.detail)
    with pytest.raises(Problem) as expired:
        verify_token(token, settings, now=lambda: expires)
    assert "expired" in str(expired.value.detail)


def test_postgres_without_a_jwt_key_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="GUICHET_JWT_SECRET"):
        ServiceSettings(database_url="postgresql://db/intake")


def test_the_embedded_default_uses_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = ServiceSettings(service="intake", data_dir=tmp_path)
    assert settings.embedded
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'intake.db'}"


def test_stopping_waits_for_tasks_then_cancels_and_never_hangs_on_one_that_ignores_it() -> None:
    async def scenario() -> tuple[bool, bool, bool, float]:
        loop = asyncio.get_running_loop()
        never = loop.create_future()

        async def obeys_the_stop_signal() -> None:
            await asyncio.sleep(0.01)

        async def only_a_cancel_stops() -> None:
            await asyncio.sleep(3600)

        async def ignores_its_cancellation() -> None:
            try:
                await asyncio.sleep(3600)
            finally:
                await never  # what aiosqlite's close() does when its worker has stopped

        tasks = [
            asyncio.create_task(job())
            for job in (obeys_the_stop_signal, only_a_cancel_stops, ignores_its_cancellation)
        ]
        started = loop.time()
        await finish(tasks, grace=0.2)
        elapsed = loop.time() - started
        stuck = tasks[2]
        states = (tasks[0].done() and not tasks[0].cancelled(), tasks[1].cancelled(), stuck.done())
        never.set_result(None)
        await asyncio.gather(stuck, return_exceptions=True)
        return (*states, elapsed)

    with asyncio.Runner(loop_factory=VirtualClockLoop) as runner:
        finished_alone, cancelled, stuck_done, elapsed = runner.run(scenario())
    assert finished_alone and cancelled
    assert not stuck_done  # reported and left behind, not awaited forever
    assert 0.35 < elapsed < 2
