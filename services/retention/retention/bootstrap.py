"""The only module that picks retention's concrete adapters and wires them to the use cases.

``definition.extra`` may give ``clock`` (an object with ``now()``), ``shredder`` (a
``KeyShredder``; by default the runtime's key ring through ``KeyringShredder``),
``purge_interval`` (seconds between scheduled purges, default one hour) and ``jobs=False``
(no background job: tests call ``use_cases.purge()``).
"""

from __future__ import annotations

from dataclasses import dataclass

from events.persistence import SystemClock
from events.service.clock import RuntimeClock
from events.service.runtime import ServiceRuntime
from retention.adapters.export_sources import KeyringExportSources
from retention.adapters.keys import KeyringShredder
from retention.adapters.unit_of_work import SqlUnitOfWork
from retention.adapters.views import RetentionViews
from retention.app.ports import KeyShredder
from retention.app.use_cases import RetentionUseCases


@dataclass(frozen=True)
class Retention:
    use_cases: RetentionUseCases
    views: RetentionViews
    clock: RuntimeClock


def bootstrap(runtime: ServiceRuntime) -> Retention:
    if "retention" not in runtime.state:
        extra = runtime.definition.extra
        runtime.state.setdefault("clock", extra.get("clock") or SystemClock())
        clock = RuntimeClock(runtime)
        views = RetentionViews(runtime.engine)
        shredder: KeyShredder = extra.get("shredder") or KeyringShredder(runtime.keyring)
        use_cases = RetentionUseCases(
            lambda: SqlUnitOfWork(runtime.store, clock, runtime.committed),
            views,
            shredder,
            clock,
            KeyringExportSources(runtime.engine, runtime.keyring, runtime.store),
        )
        runtime.state["retention"] = Retention(use_cases, views, clock)
    retention: Retention = runtime.state["retention"]
    return retention
