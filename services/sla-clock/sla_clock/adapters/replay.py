"""``Replay`` through the service runtime's consumer: clear the inbox and the read model, and
(on Kafka, where offsets live in the broker) rewind the consumer group."""

from __future__ import annotations

from events.service.runtime import ServiceRuntime


class RuntimeReplay:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime

    def ready(self) -> bool:
        return self.runtime.consumer is not None

    async def restart(self) -> None:
        if self.runtime.consumer is None:
            raise RuntimeError("the consumer is not running yet")
        await self.runtime.consumer.reset()
        rewind = getattr(self.runtime.runner, "rewind", None)
        if rewind is not None:
            await rewind()
