"""The only module that picks intake's concrete adapters and wires them to the use cases."""

from dataclasses import dataclass

from events.application.bus import MessageBus
from events.persistence import SystemClock
from events.service.clock import RuntimeClock
from events.service.runtime import ServiceRuntime
from intake.adapters.unit_of_work import SqlUnitOfWork
from intake.adapters.views import IntakeViews
from intake.app.bus import intake_bus
from intake.app.rules import DEFAULT_RULES, IntakeRules


@dataclass(frozen=True)
class Intake:
    bus: MessageBus
    views: IntakeViews
    clock: RuntimeClock
    rules: IntakeRules


def bootstrap(runtime: ServiceRuntime) -> Intake:
    """The service's use cases over the runtime's store; built once, kept in `runtime.state`.
    `definition.extra` may give `rules` (IntakeRules) and `clock` (an object with `now()`)."""
    if "intake" not in runtime.state:
        extra = runtime.definition.extra
        runtime.state.setdefault("clock", extra.get("clock") or SystemClock())
        clock = RuntimeClock(runtime)
        rules = extra.get("rules") or DEFAULT_RULES
        views = IntakeViews(runtime.engine, runtime.store)
        bus = intake_bus(
            lambda: SqlUnitOfWork(runtime.store, clock, runtime.committed, views.created), clock, rules
        )
        runtime.state["intake"] = Intake(bus, views, clock, rules)
    return runtime.state["intake"]
