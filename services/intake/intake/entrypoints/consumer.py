"""The consumer entry point: retention's erasures and purges -> intake's read models blanked,
and a ``SubjectDataErased`` recorded per subject with the count of intake's events sealed
under the destroyed keys (retention completes its proof with it; ``events.service.erasure``).
Exactly once per event: the platform consumer's inbox row commits with the blanking and the
record."""

from __future__ import annotations

from events.catalogue.intake import SubjectDataErased
from events.consumer import Consumer, Handler
from events.service.erasure import erasure_handlers
from events.service.runtime import ServiceRuntime
from intake.adapters.projection import PROJECTORS

CONSUMER_NAME = "intake"


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    handlers: dict[str, Handler] = erasure_handlers(runtime, SubjectDataErased, PROJECTORS)
    return Consumer(CONSUMER_NAME, runtime.engine, handlers)
