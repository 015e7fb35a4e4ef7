"""The only module that picks the documents service's concrete adapters and wires them.

``definition.extra`` may give ``organisation`` (Organisation), ``clock`` (an object with
``now()``) and ``transmitters`` (channel -> Transmitter, replacing the defaults)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from documents.adapters.rendering import DocumentRenderer
from documents.adapters.templating import SandboxedTemplates
from documents.adapters.transmitters import ChannelTransmitters, default_transmitters
from documents.adapters.unit_of_work import SqlUnitOfWork
from documents.adapters.views import DocumentViews
from documents.app.bus import documents_bus
from documents.app.ports import Renderer, TemplateEngine, UnitOfWork
from documents.domain.organisation import DEFAULT_ORGANISATION, Organisation
from events.application.bus import MessageBus
from events.persistence import SystemClock
from events.service.runtime import ServiceRuntime


class RuntimeClock:
    """Reads ``runtime.state["clock"]`` on every call, so a test can swap the clock of a running app."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime

    def now(self) -> datetime:
        return self.runtime.state["clock"].now()


@dataclass(frozen=True)
class Documents:
    bus: MessageBus
    views: DocumentViews
    clock: RuntimeClock
    organisation: Organisation
    renderer: Renderer
    templates: TemplateEngine
    uow: Callable[[], UnitOfWork]


def bootstrap(runtime: ServiceRuntime) -> Documents:
    """The service's use cases over the runtime's store; built once, kept in ``runtime.state``."""
    if "documents" not in runtime.state:
        extra = runtime.definition.extra
        runtime.state.setdefault("clock", extra.get("clock") or SystemClock())
        clock = RuntimeClock(runtime)
        organisation = extra.get("organisation") or DEFAULT_ORGANISATION
        renderer = DocumentRenderer()
        templates = SandboxedTemplates()
        transmitter = ChannelTransmitters({**default_transmitters(), **extra.get("transmitters", {})})

        def uow() -> UnitOfWork:
            return SqlUnitOfWork(runtime.store, clock, runtime.committed)

        bus = documents_bus(
            uow,
            clock,
            organisation,
            renderer,
            templates,
            transmitter,
        )
        views = DocumentViews(runtime.engine)
        runtime.state["documents"] = Documents(bus, views, clock, organisation, renderer, templates, uow)
    return runtime.state["documents"]
