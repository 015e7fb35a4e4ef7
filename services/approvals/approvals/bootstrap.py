"""The only module that picks approvals' concrete adapters and wires them to the use cases.

``definition.extra`` may give ``clock`` (an object with ``now()``), ``authorities`` (an
``Authorities``: who may decide at which level; by default the recorded habilitations and
substitutions, ``RecordedAuthorities``), ``deadline_rules`` (``DeadlineRules``) and
``deadline_worker=False`` (no background sweep: tests call ``deadlines.sweep()``)."""

from __future__ import annotations

from dataclasses import dataclass

from approvals.adapters.authorisation_views import AuthorisationViews
from approvals.adapters.authorisations import SqlAuthorisationsUnitOfWork
from approvals.adapters.deadline_worker import DeadlineSweeper
from approvals.adapters.recorded_authorities import RecordedAuthorities
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.adapters.views import ApprovalViews
from approvals.app.authorisations import authorisations_bus
from approvals.app.bus import approvals_bus
from approvals.app.ports import Authorities
from approvals.domain.deadlines import DEFAULT_DEADLINE_RULES
from events.application.bus import MessageBus
from events.persistence import SystemClock
from events.service.clock import RuntimeClock
from events.service.runtime import ServiceRuntime


@dataclass(frozen=True)
class Approvals:
    bus: MessageBus
    views: ApprovalViews
    clock: RuntimeClock
    authorities: Authorities
    authorisations: MessageBus
    authorisation_views: AuthorisationViews
    deadlines: DeadlineSweeper


def bootstrap(runtime: ServiceRuntime) -> Approvals:
    """The service's use cases over the runtime's store; built once, kept in ``runtime.state``."""
    if "approvals" not in runtime.state:
        extra = runtime.definition.extra
        runtime.state.setdefault("clock", extra.get("clock") or SystemClock())
        clock = RuntimeClock(runtime)
        authorities: Authorities = extra.get("authorities") or RecordedAuthorities(runtime.engine)
        bus = approvals_bus(
            lambda: SqlUnitOfWork(runtime.store, clock, runtime.committed), clock, authorities
        )
        authorisations = authorisations_bus(
            lambda: SqlAuthorisationsUnitOfWork(runtime.store, clock, runtime.committed), clock
        )
        deadlines = DeadlineSweeper(
            lambda: SqlUnitOfWork(runtime.store, clock, runtime.committed),
            extra.get("deadline_rules") or DEFAULT_DEADLINE_RULES,
            clock,
        )
        runtime.state["approvals"] = Approvals(
            bus,
            ApprovalViews(runtime.engine),
            clock,
            authorities,
            authorisations,
            AuthorisationViews(runtime.engine),
            deadlines,
        )
    approvals: Approvals = runtime.state["approvals"]
    return approvals
