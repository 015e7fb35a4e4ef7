"""A broker that cannot be reached shows in readiness and in the relay's lag, and both recover.

The shared test broker is never stopped: the outage is aiokafka's own failure against a closed
local port, the recovery the real broker answering. The lag is measured from an injected clock.
"""

from __future__ import annotations

import socket
from uuid import uuid4

from prometheus_client import REGISTRY

from events.bus import KafkaPublisher
from events.catalogue import DomainEvent
from events.envelope import Envelope
from events.migrations import upgrade_platform
from events.service.runtime import ServiceDefinition, ServiceRuntime
from events.service.settings import ServiceSettings

SOURCE = "/guichet/brokerhealth"
IDLE_SOURCE = "/guichet/brokeridle"


class Pinged(DomainEvent, type="brokerhealth.Pinged"):
    number: int


def closed_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BrokerSwitch:
    """A publisher whose broker is either a closed local port (``down``) or the real one."""

    def __init__(self, bootstrap: str) -> None:
        self.real = KafkaPublisher(bootstrap, client_id="broker-health-test")
        self.unreachable_bootstrap = f"127.0.0.1:{closed_local_port()}"
        self.down = True

    async def _fail_like_a_dead_broker(self) -> None:
        dead = KafkaPublisher(self.unreachable_bootstrap, client_id="broker-health-dead")
        try:
            await dead.start()
        finally:
            await dead.stop()

    async def start(self) -> None:
        await self.real.start()

    async def stop(self) -> None:
        await self.real.stop()

    async def probe(self) -> None:
        if self.down:
            await self._fail_like_a_dead_broker()
        await self.real.probe()

    async def publish(self, envelopes: list[Envelope]) -> None:
        if self.down:
            await self._fail_like_a_dead_broker()
        await self.real.publish(envelopes)


def lag_metric(source: str = SOURCE) -> float | None:
    return REGISTRY.get_sample_value("guichet_relay_lag_seconds", {"source": source})


def publisher_up_metric(source: str = SOURCE) -> float | None:
    return REGISTRY.get_sample_value("guichet_relay_publisher_up", {"source": source})


async def test_readiness_and_lag_report_an_unreachable_broker_then_recover(
    kafka_bootstrap: str, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr("events.bus.topic_for", lambda context: f"guichet.brokerhealth.{uuid4().hex[:8]}")
    definition = ServiceDefinition(name="brokerhealth", context="brokerhealth", default_port=8098, title="T")
    settings = ServiceSettings(service="brokerhealth", data_dir=tmp_path, log_json=False)
    runtime = ServiceRuntime(definition, settings, bus=None)
    runtime.store.source = SOURCE
    switch = BrokerSwitch(kafka_bootstrap)
    await switch.start()
    runtime.publisher = runtime.relay.publisher = switch
    now = [0.0]
    runtime.relay.clock = lambda: now[0]
    try:
        await upgrade_platform(runtime.engine)
        runtime.ready.set()
        [event] = await runtime.store.append(uuid4(), "ping", 0, [Pinged(number=1)])
        assert event.recorded_at is not None
        recorded = event.recorded_at.timestamp()

        now[0] = recorded + 3.0
        await runtime.relay.pass_once(0.05)
        assert lag_metric() == 3.0
        checks = await runtime.check()
        assert checks["bus"] == "unreachable", "generic: /readyz needs no token"
        assert runtime.relay.publisher_failure is not None
        assert runtime.relay.publisher_failure.startswith("unreachable: KafkaConnectionError")
        assert publisher_up_metric() == 0.0
        assert checks["database"] == "ok"

        now[0] = recorded + 45.0
        await runtime.relay.pass_once(0.05)
        assert lag_metric() == 45.0, "the lag keeps growing while nothing can be published"

        switch.down = False
        now[0] = recorded + 46.0
        await runtime.relay.pass_once(0.05)
        assert lag_metric() == 0.0
        assert publisher_up_metric() == 1.0
        assert runtime.relay.publisher_failure is None
        assert (await runtime.check())["bus"] == "ok"
    finally:
        await switch.stop()
        await runtime.engine.dispose()


async def test_an_idle_relay_probes_the_broker_and_readiness_follows_it(
    kafka_bootstrap: str, tmp_path
) -> None:
    """Nothing to publish: the relay's probe alone finds the broker gone, then back."""
    definition = ServiceDefinition(name="brokeridle", context="brokeridle", default_port=8097, title="T")
    settings = ServiceSettings(service="brokeridle", data_dir=tmp_path, log_json=False)
    runtime = ServiceRuntime(definition, settings, bus=None)
    runtime.store.source = IDLE_SOURCE
    switch = BrokerSwitch(kafka_bootstrap)
    await switch.start()
    runtime.publisher = runtime.relay.publisher = switch
    now = [1000.0]
    runtime.relay.clock = lambda: now[0]
    try:
        await upgrade_platform(runtime.engine)
        runtime.ready.set()
        await runtime.relay.pass_once(0.05)
        assert runtime.relay.publisher_failure is not None
        assert runtime.relay.publisher_failure.startswith("unreachable: KafkaConnectionError")
        assert publisher_up_metric(IDLE_SOURCE) == 0.0
        assert lag_metric(IDLE_SOURCE) == 0.0, "nothing is waiting: no lag, however long the outage"

        switch.down = False
        now[0] += 1.0
        await runtime.relay.pass_once(0.05)
        assert runtime.relay.publisher_failure is not None, "probed again only after the interval"
        now[0] += runtime.relay.probe_interval
        await runtime.relay.pass_once(0.05)
        assert runtime.relay.publisher_failure is None
        assert (await runtime.check())["bus"] == "ok"
    finally:
        await switch.stop()
        await runtime.engine.dispose()
