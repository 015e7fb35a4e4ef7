"""sla-clock on real Kafka + PostgreSQL: intake's events arrive through its outbox relay, the
warnings and breaches land in sla-clock's store (and on its topic) exactly once, across a
stop/restart around the due times."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from events.bus import KafkaPublisher, partition_of
from events.catalogue import intake as ev
from events.catalogue import retention as rt
from events.db import create_engine
from events.migrations import upgrade_platform
from events.relay import OutboxRelay
from events.service.runtime import ServiceRuntime
from events.service.settings import ServiceSettings
from events.store import SqlEventStore
from events.testing.servers import make_database
from retention.domain.calendar import one_month_after
from sla_clock.app.views import explain_request
from sla_clock.bootstrap import sla_of
from sla_clock.domain.streams import request_stream
from sla_clock.entrypoints.schemas import DeadlinesRead
from sla_clock.service import DEFINITION

pytestmark = pytest.mark.timeout(120)
_ids = itertools.count()


@pytest.fixture
async def topics(kafka_bootstrap, monkeypatch):
    """Fresh topics per test, so no other test's events are replayed into this one."""
    suffix = uuid4().hex[:8]
    name = lambda context: f"guichet.{context}.{suffix}"  # noqa: E731
    monkeypatch.setattr("events.bus.topic_for", name)
    monkeypatch.setattr("events.service.runtime.topic_for", name)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name(c), 3, 1) for c in ("intake", "documents", "retention", "sla_clock")]
        )
    finally:
        await admin.close()
    return name


@pytest.fixture
async def intake(postgres_url, kafka_bootstrap, topics):
    async for send in producer(postgres_url, kafka_bootstrap, "intake", "request"):
        yield send


@pytest.fixture
async def retention(postgres_url, kafka_bootstrap, topics):
    async for send in producer(postgres_url, kafka_bootstrap, "retention", "subject_request"):
        yield send


async def producer(postgres_url: str, kafka_bootstrap: str, context: str, stream_type: str):
    """``send(stream, *events)``: appended to ``context``'s store and relayed to its topic."""
    engine = create_engine(await make_database(postgres_url, f"sla_{context}_{next(_ids)}_{uuid4().hex[:6]}"))
    await upgrade_platform(engine)
    store = SqlEventStore(engine, source=f"/guichet/{context}")
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    relay = OutboxRelay(store, publisher)

    counts = {"appended": 0, "published": 0}

    async def send(stream: UUID, *events) -> None:
        """Append, then relay until it is on the topic: ``read_all`` holds back events while an
        older transaction anywhere on the server (sla-clock's database too) is still open."""
        version = len(await store.read_stream(stream))
        counts["appended"] += len(await store.append(stream, stream_type, version, list(events)))
        async with asyncio.timeout(10):
            while counts["published"] < counts["appended"]:
                counts["published"] += await relay.publish_pending()
                await asyncio.sleep(0.01)

    yield send
    await publisher.stop()
    await engine.dispose()


@pytest.fixture
async def sla_settings(postgres_url, kafka_bootstrap):
    url = await make_database(postgres_url, f"sla_clock_{next(_ids)}_{uuid4().hex[:6]}")
    return ServiceSettings(
        service="sla-clock",
        database_url=url,
        kafka_bootstrap=kafka_bootstrap,
        jwt_secret="integration-secret-" + "x" * 16,
        log_json=False,
    )


async def start_sla(settings: ServiceSettings) -> ServiceRuntime:
    definition = dataclasses.replace(DEFINITION, extra={"refill_interval": 0.5, "now": CLOCK})
    runtime = ServiceRuntime(definition, settings, bus=None)
    await runtime.start()
    await asyncio.wait_for(runtime.ready.wait(), 60)
    return runtime


def p1(received_at: datetime, rid: UUID | None = None) -> tuple[UUID, list]:
    rid = rid or uuid4()
    return rid, [
        ev.RequestReceived(
            request_id=rid, reference=f"R-{rid.hex[:6]}", channel="phone", received_at=received_at
        ),
        ev.RequestQualified(
            request_id=rid,
            category="outage",
            profile="b2b",
            impact="critical",
            urgency="high",
            workaround="none",
            priority="p1",
            at=received_at,
        ),
    ]


async def sla_events(runtime: ServiceRuntime, rid: UUID) -> list[tuple[str, str | None]]:
    found = await runtime.store.read_stream(request_stream(rid))
    return [(e.type.split(".")[1], e.data.get("kind") or e.data.get("alert")) for e in found]


async def wait_for(runtime: ServiceRuntime, rid: UUID, wanted: tuple[str, str], timeout: float = 30):
    async with asyncio.timeout(timeout):
        while True:
            if wanted in await sla_events(runtime, rid):
                return
            await asyncio.sleep(0.1)


class ShiftedClock:
    """Real time, moved forward by the test instead of waiting (sla-clock and the test share it)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


CLOCK = ShiftedClock()


@pytest.fixture(autouse=True)
def real_time() -> None:
    CLOCK.offset = timedelta(0)


def now() -> datetime:
    return CLOCK()


async def all_fired(runtime: ServiceRuntime, margin: float = 1.0) -> None:
    """Wait until every timer armed so far and due by now (plus ``margin`` seconds, more than
    the catch-up grace of a timer armed overdue) has fired: what is absent then never fires."""
    async with asyncio.timeout(30):
        await sla_of(runtime).scheduler.passed(now() + timedelta(seconds=margin))


async def explained(runtime: ServiceRuntime, rid: UUID) -> dict:
    return DeadlinesRead.of(await explain_request(sla_of(runtime).read, rid)).model_dump(mode="json")


async def resolution_paused(runtime: ServiceRuntime, rid: UUID, seconds: int, timeout: float = 30) -> dict:
    """The active resolution deadline, once the projection has counted ``seconds`` of pause."""
    async with asyncio.timeout(timeout):
        while True:
            deadlines = (await explained(runtime, rid))["deadlines"]
            active = [d for d in deadlines if d["kind"] == "resolution" and d["status"] == "active"]
            if active and active[0]["computed"]["paused_seconds"] == seconds:
                return active[0]
            await asyncio.sleep(0.1)


async def test_warnings_breaches_pauses_and_commitments_on_kafka_and_postgres(
    intake, sla_settings, kafka_bootstrap, topics
):
    runtime = await start_sla(sla_settings)
    try:
        t = now()
        warned, _ = p1(t - timedelta(minutes=25))
        breached, _ = p1(t - timedelta(minutes=31))
        plain, paused = uuid4(), uuid4()
        commitment = uuid4()
        for rid, minutes in ((warned, 25), (breached, 31)):
            await intake(rid, *p1(t - timedelta(minutes=minutes), rid)[1])
        pause = [
            ev.AwaitingCustomer(request_id=paused, at=t - timedelta(hours=3), expected="logs"),
            ev.CustomerReplied(request_id=paused, at=t - timedelta(hours=2)),
        ]
        for rid in (plain, paused):  # resolution (4 h) warning at 3 h 12 min
            await intake(
                rid,
                *p1(t - timedelta(hours=3, minutes=20), rid)[1],
                ev.RequestAcknowledged(request_id=rid, at=t - timedelta(hours=3)),
                *(pause if rid == paused else []),
            )
        await intake(
            warned,
            ev.CommitmentMade(
                request_id=warned,
                commitment_id=commitment,
                deliverable="diagnosis",
                made_at=t - timedelta(minutes=20),
                due_at=t - timedelta(seconds=30),
            ),
        )

        await wait_for(runtime, warned, ("SlaWarning", "first_response"), timeout=15)
        assert (now() - t).total_seconds() < 15  # "within seconds" of being received
        await wait_for(runtime, breached, ("SlaBreached", "first_response"))
        await wait_for(runtime, warned, ("SlaBreached", f"commitment:{commitment}"))
        await wait_for(runtime, plain, ("SlaWarning", "resolution"))
        resolution = await resolution_paused(runtime, paused, 3600)  # its events all consumed
        await all_fired(runtime)

        assert await sla_events(runtime, breached) == [
            ("SlaWarning", "first_response"),
            ("SlaBreached", "first_response"),
        ]
        assert Counter(await sla_events(runtime, warned)) == Counter(
            {
                ("SlaWarning", "first_response"): 1,
                ("SlaWarning", f"commitment:{commitment}"): 1,
                ("SlaBreached", f"commitment:{commitment}"): 1,
            }
        )
        assert ("SlaWarning", "resolution") not in await sla_events(runtime, paused)
        received = t - timedelta(hours=3, minutes=20)
        assert datetime.fromisoformat(resolution["due_at"]) == received + timedelta(hours=5)
        assert resolution["computed"]["paused_seconds"] == 3600

        published = await read_topic(kafka_bootstrap, topics("sla_clock"), expected=9)
        keys = Counter((r["request_id"], r["type"], r["kind"]) for r in published)
        assert set(keys.values()) == {1} and len(keys) >= 8
    finally:
        await runtime.stop()


async def test_stopped_and_restarted_around_due_times_emits_each_threshold_exactly_once(intake, sla_settings):
    t = now()
    rid, events = p1(t - timedelta(minutes=29))  # warning past, breach due in 60 s
    runtime = await start_sla(sla_settings)
    try:
        await intake(rid, *events)
        await wait_for(runtime, rid, ("SlaWarning", "first_response"))
    finally:
        await runtime.stop()  # down when the breach falls due
    assert await sla_events(runtime, rid) == [("SlaWarning", "first_response")]
    CLOCK.offset += max(timedelta(0), t + timedelta(seconds=61) - now())  # the breach falls due
    late, late_events = p1(now() - timedelta(minutes=31))  # arrives while sla-clock is down
    await intake(late, *late_events)

    for _ in range(2):  # restart (catch-up), then restart again: nothing emitted twice
        runtime = await start_sla(sla_settings)
        try:
            await wait_for(runtime, rid, ("SlaBreached", "first_response"))
            await wait_for(runtime, late, ("SlaBreached", "first_response"))
            await all_fired(runtime)
            assert await sla_events(runtime, rid) == [
                ("SlaWarning", "first_response"),
                ("SlaBreached", "first_response"),
            ]
            assert await sla_events(runtime, late) == [
                ("SlaWarning", "first_response"),
                ("SlaBreached", "first_response"),
            ]
        finally:
            await runtime.stop()


def stream_on_the_partition_of(rid: UUID, partitions: int = 3) -> UUID:
    """Another request whose events share ``rid``'s partition (so they queue in front of it)."""
    wanted = partition_of(str(rid).encode(), partitions)
    while partition_of(str(other := uuid4()).encode(), partitions) != wanted:
        pass
    return other


async def test_after_a_restart_no_timer_fires_before_the_backlog_that_answers_it_is_consumed(
    intake, sla_settings
):
    """While sla-clock is down: a P1 request received 31 minutes ago (its first-response
    warning and breach are overdue), then 2,000 events of another request on the same
    partition, then the acknowledgement, made 10 minutes after reception (in time). After the
    restart the overdue timers are armed at once, but the acknowledgement is 2,000 events
    further: the scheduler must not fire before the consumer has handled the backlog."""
    runtime = await start_sla(sla_settings)  # the consumer group exists, at the topic's end
    await runtime.stop()
    t = now()
    rid, events = p1(t - timedelta(minutes=31))
    await intake(rid, *events)
    busy = stream_on_the_partition_of(rid)
    _, opening = p1(t - timedelta(minutes=5), busy)
    await intake(
        busy,
        *opening,
        *(
            ev.InteractionRecorded(
                request_id=busy,
                interaction_id=uuid4(),
                channel="phone",
                direction="inbound",
                subject="follow-up",
                summary=f"call {n}",
                occurred_at=t - timedelta(minutes=4),
            )
            for n in range(2000)
        ),
    )
    await intake(rid, ev.RequestAcknowledged(request_id=rid, at=t - timedelta(minutes=21)))

    runtime = await start_sla(sla_settings)
    try:
        await asyncio.wait_for(sla_of(runtime).scheduler.caught_up.wait(), 60)
        await all_fired(runtime)  # anything armed overdue and not answered would have fired
        assert await sla_events(runtime, rid) == []
        assert ("SlaWarning", "first_response") not in await sla_events(runtime, busy)
    finally:
        await runtime.stop()


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 20) -> list[dict]:
    import orjson

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"r-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < expected:
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    for record in records:
                        data = orjson.loads(record.value)
                        ce_type = dict(record.headers)["ce_type"].decode()
                        found.append(
                            {
                                "request_id": data.get("request_id"),
                                "type": ce_type,
                                "kind": data.get("kind") or data.get("alert"),
                            }
                        )
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return [r for r in found if r["request_id"]]


async def test_a_data_subject_request_is_warned_a_week_before_its_due_date_then_breached(
    retention, sla_settings, kafka_bootstrap, topics
):
    """Retention's events through its relay and Kafka: the SLA clock warns a week before the
    one-month due date and breaches at it, once each, on its store and its topic."""
    runtime = await start_sla(sla_settings)
    try:
        received = now() - timedelta(days=25)
        due = one_month_after(received)
        request_id = uuid4()
        await retention(
            request_id,
            rt.DataSubjectRequestReceived(
                request_id=request_id,
                kind="access",
                identity={"name": "Jeanne Martin"},
                channel="email",
                received_by="agent-1",
                received_at=received,
                due_at=due,
            ),
        )
        await wait_for(runtime, request_id, ("SlaWarning", "data_subject_request"))
        await all_fired(runtime)
        assert await sla_events(runtime, request_id) == [("SlaWarning", "data_subject_request")]

        CLOCK.offset = due - now() + timedelta(seconds=1)
        await wait_for(runtime, request_id, ("SlaBreached", "data_subject_request"))
        await all_fired(runtime)
        assert await sla_events(runtime, request_id) == [
            ("SlaWarning", "data_subject_request"),
            ("SlaBreached", "data_subject_request"),
        ]
        published = await read_topic(kafka_bootstrap, topics("sla_clock"), expected=2)
        assert {(r["request_id"], r["kind"]) for r in published} == {
            (str(request_id), "data_subject_request")
        }
    finally:
        await runtime.stop()
