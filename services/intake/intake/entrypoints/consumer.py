"""The consumer entry point: retention's erasures and purges -> intake's read models blanked,
and a ``SubjectDataErased`` recorded per subject with the count of intake's events sealed
under the destroyed keys (retention completes its proof with it; ``events.service.erasure``);
approvals' events of the requests intake knows -> kept for their timeline. Exactly once per
event: the platform consumer's inbox row commits with the effects."""

from __future__ import annotations

from events.catalogue.intake import SubjectDataErased
from events.consumer import Consumer, Handler
from events.service.erasure import erasure_handlers
from events.service.runtime import ServiceRuntime
from intake.adapters.approvals import approval_handlers
from intake.adapters.projection import PROJECTORS

CONSUMER_NAME = "intake"


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    handlers: dict[str, Handler] = erasure_handlers(runtime, SubjectDataErased, PROJECTORS)
    handlers |= approval_handlers()
    return Consumer(CONSUMER_NAME, runtime.engine, handlers)
