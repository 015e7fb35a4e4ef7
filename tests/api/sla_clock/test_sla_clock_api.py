"""The SLA clock on the embedded default: timers fire once, restart catch-up, explanation, policies."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from types import CoroutineType, GeneratorType
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).parent))

from sla_harness import T0, FakeClock, Harness, bearer

from events.catalogue import intake as ev


def p1_request(at=T0, channel="phone"):
    rid = uuid4()
    return rid, [
        ev.RequestReceived(request_id=rid, reference=f"R-{rid.hex[:6]}", channel=channel, received_at=at),
        ev.RequestQualified(
            request_id=rid,
            category="outage",
            profile="b2b",
            impact="critical",
            urgency="high",
            workaround="none",
            priority="p1",
            at=at,
        ),
    ]


def kinds(events):
    return [(name, data.get("kind") or data.get("alert")) for name, data in events]


def test_a_p1_gets_its_warning_at_24_minutes_then_its_breach_each_exactly_once(tmp_path):
    with Harness(tmp_path) as h:
        rid, events = p1_request()
        h.send(rid, *events)
        h.clock.advance(minutes=23)
        assert h.fire() == 0
        h.clock.advance(minutes=2)
        assert h.fire() == 1
        assert h.fire() == 0
        h.clock.advance(minutes=6)
        assert h.fire() == 1
        assert kinds(h.sla_events(rid)) == [
            ("SlaWarning", "first_response"),
            ("SlaBreached", "first_response"),
        ]
        warning = h.sla_events(rid)[0][1]
        assert warning["threshold_at"].startswith("2026-03-02T09:24")
        assert "customer" in warning["advice"]


def test_a_response_before_the_due_time_cancels_the_breach(tmp_path):
    with Harness(tmp_path) as h:
        rid, events = p1_request()
        h.send(rid, *events)
        h.clock.advance(minutes=25)
        h.fire()
        h.send(rid, ev.RequestAcknowledged(request_id=rid, at=h.clock.now))
        h.clock.advance(minutes=10)
        h.fire()
        assert kinds(h.sla_events(rid)) == [("SlaWarning", "first_response")]


def test_thresholds_that_fell_due_while_down_are_caught_up_in_order_after_a_restart(tmp_path):
    clock = FakeClock()
    rid, events = p1_request()
    with Harness(tmp_path, clock) as h:
        h.send(rid, *events)
    clock.advance(hours=5)  # first-response warning + breach, resolution warning + breach, alert
    with Harness(tmp_path, clock, scheduler=True) as h:
        h.call(h.scheduler.caught_up.wait)
        emitted = kinds(h.sla_events(rid))
    # The resolution breach of an open request also calls for progress news (docs/domain.md §8).
    assert emitted.count(("RelanceDue", "informative")) == 1
    fired = [kind for kind in emitted if kind != ("RelanceDue", "informative")]
    assert fired == [
        ("SlaWarning", "first_response"),
        ("SlaBreached", "first_response"),
        ("SlaWarning", "resolution"),  # both due at 4 h, then in key order:
        ("SlaAlertRaised", "no_response"),
        ("SlaBreached", "resolution"),
    ]
    with Harness(tmp_path, clock, scheduler=True) as h:  # a second restart emits nothing again
        h.call(h.scheduler.caught_up.wait)
        assert kinds(h.sla_events(rid)) == emitted


def test_the_deadlines_endpoint_explains_each_deadline_and_its_events(tmp_path):
    with Harness(tmp_path) as h:
        rid, events = p1_request()
        h.send(rid, *events)
        h.send(
            rid,
            ev.AwaitingCustomer(request_id=rid, at=T0 + timedelta(minutes=10), expected="logs"),
            ev.CustomerReplied(request_id=rid, at=T0 + timedelta(minutes=40)),
        )
        h.clock.advance(minutes=25)
        h.fire()
        body = h.get(f"/requests/{rid}/deadlines", history="true")
        active = {(d["kind"], d["status"]): d for d in body["deadlines"]}
        resolution = active[("resolution", "active")]
        assert resolution["due_at"].startswith("2026-03-02T13:30")  # 4 h + 30 min paused
        assert resolution["computed"]["paused_seconds"] == 1800
        assert resolution["computed"]["policy_version"] == 1
        assert ("resolution", "superseded") in active  # the deadline before the pause
        assert [e["type"] for e in body["events"]] == ["sla_clock.SlaWarning"]
        assert h.client.get(f"/requests/{uuid4()}/deadlines").status_code == 404


def test_a_new_policy_version_needs_level_3_and_moves_open_requests_to_it(tmp_path):
    with Harness(tmp_path) as h:
        rid, events = p1_request()
        h.send(rid, *events)
        policy = h.get("/policies/current")
        assert policy["version"] == 1 and policy["calendar"] == "france"
        spec = policy["policy"]
        spec["priorities"]["P1"]["first_response"]["seconds"] = 3600
        body = {"policy": spec, "calendar": "24/7", "reason": "contract renegotiated"}
        assert h.client.put("/policies/current", json=body, headers=bearer(1)).status_code == 403
        response = h.client.put("/policies/current", json=body, headers=bearer(3))
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 2
        import time

        deadline = time.monotonic() + 5
        while True:
            found = h.get(f"/requests/{rid}/deadlines")["deadlines"]
            first = [d for d in found if d["kind"] == "first_response" and d["status"] == "active"]
            if first and first[0]["computed"]["policy_version"] == 2:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert first[0]["due_at"].startswith("2026-03-02T10:00")
        assert "quebec" in h.get("/calendars")["calendars"]


def test_an_invalid_policy_or_an_unknown_calendar_is_a_422_problem(tmp_path):
    with Harness(tmp_path) as h:
        spec = h.get("/policies/current")["policy"]
        unknown = {"policy": spec, "calendar": "mars", "reason": "typo"}
        response = h.client.put("/policies/current", json=unknown, headers=bearer(3))
        assert response.status_code == 422 and response.json()["type"].endswith("/unknown-calendar")
        del spec["priorities"]["P3"]
        broken = {"policy": spec, "calendar": "france", "reason": "lost P3"}
        response = h.client.put("/policies/current", json=broken, headers=bearer(3))
        assert response.status_code == 422 and response.json()["type"].endswith("/invalid-policy")
        assert h.get("/policies/current")["version"] == 1


def test_stopping_lets_the_poll_in_progress_commit_and_leaves_no_task_behind(tmp_path):
    """Stopping used to cancel the consumer inside its transaction: the poll was rolled back,
    and an aiosqlite connection cancelled mid-call could leave its close pending for ever, so
    the event loop never closed. Now the loops are told to stop and finish their batch."""
    import asyncio

    def coroutine_name(task: asyncio.Task[Any]) -> str:
        coroutine = task.get_coro()
        assert isinstance(coroutine, CoroutineType | GeneratorType), coroutine
        return coroutine.__qualname__

    async def stop_during_a_handler(h, rid, events) -> tuple[int, list[str]]:
        handlers = h.runtime.consumer.handlers
        received = handlers["intake.RequestReceived"]
        inside, release = asyncio.Event(), asyncio.Event()

        async def slow(*args):
            inside.set()
            await release.wait()
            return await received(*args)

        handlers["intake.RequestReceived"] = slow
        stored = await h.intake.append(rid, "request", 0, events)
        await h.bus.advance("guichet.intake", stored[-1].position)
        await inside.wait()
        runner, stop_requested = h.runtime.runner, asyncio.Event()
        stop_runner = runner.stop

        async def stop_noted() -> None:
            stop_requested.set()
            await stop_runner()

        runner.stop = stop_noted
        stopping = asyncio.create_task(h.runtime.stop())
        await stop_requested.wait()  # the service is stopping its consumer, mid-handler
        release.set()
        await stopping
        me = asyncio.current_task()
        left = [
            coroutine_name(task)
            for task in asyncio.all_tasks()
            if task is not me and not task.get_name().startswith("anyio.")
        ]
        return stored[-1].position, left

    async def consumed(data_dir) -> int:
        from events.checkpoints import load_consumer_checkpoint
        from events.db import create_engine

        engine = create_engine(f"sqlite:///{data_dir / 'sla-clock.db'}")
        async with engine.connect() as connection:
            position = await load_consumer_checkpoint(connection, "sla-clock", "guichet.intake")
        await engine.dispose()
        return position

    h = Harness(tmp_path)
    h.__enter__()
    try:
        rid, events = p1_request()
        position, left = h.call(stop_during_a_handler, h, rid, events)
    finally:
        h.client.__exit__(None, None, None)
    assert left == []
    assert asyncio.run(consumed(tmp_path)) == position
