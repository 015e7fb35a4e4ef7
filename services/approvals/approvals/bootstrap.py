"""The only module that picks approvals' concrete adapters and wires them to the use cases.

``definition.extra`` may give ``clock`` (an object with ``now()``) and ``authorities`` (an
``Authorities``: who may decide at which level; the token-based one by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from approvals.adapters.authorities import TokenAuthorities
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.adapters.views import ApprovalViews
from approvals.app.bus import approvals_bus
from approvals.app.ports import Authorities
from events.application.bus import MessageBus
from events.persistence import SystemClock
from events.service.runtime import ServiceRuntime


class RuntimeClock:
    """Reads ``runtime.state["clock"]`` on every call, so a test can swap the clock of a running app."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime

    def now(self) -> datetime:
        now: datetime = self.runtime.state["clock"].now()
        return now


@dataclass(frozen=True)
class Approvals:
    bus: MessageBus
    views: ApprovalViews
    clock: RuntimeClock
    authorities: Authorities


def bootstrap(runtime: ServiceRuntime) -> Approvals:
    """The service's use cases over the runtime's store; built once, kept in ``runtime.state``."""
    if "approvals" not in runtime.state:
        extra = runtime.definition.extra
        runtime.state.setdefault("clock", extra.get("clock") or SystemClock())
        clock = RuntimeClock(runtime)
        authorities: Authorities = extra.get("authorities") or TokenAuthorities()
        bus = approvals_bus(
            lambda: SqlUnitOfWork(runtime.store, clock, runtime.committed), clock, authorities
        )
        runtime.state["approvals"] = Approvals(bus, ApprovalViews(runtime.engine), clock, authorities)
    approvals: Approvals = runtime.state["approvals"]
    return approvals
