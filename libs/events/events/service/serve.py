"""Run one service alone (``python -m <service>``), or every declared service in one process
(``make run``): the services and their order come from ``services.toml``."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
from collections.abc import Iterator

import uvicorn

from events.bus import InProcessBus
from events.service.app import create_service_app, settings_for
from events.service.declaration import declared_services
from events.service.http_server import server_options
from events.service.runtime import ServiceDefinition

SERVICES = tuple(service.package for service in declared_services())
"""The Python package of every declared service, in start order."""


def definition_of(package: str) -> ServiceDefinition:
    definition = importlib.import_module(f"{package}.service").DEFINITION
    if not isinstance(definition, ServiceDefinition):
        raise TypeError(f"{package}.service.DEFINITION is not a ServiceDefinition")
    return definition


def serve(definition: ServiceDefinition) -> None:
    """Run one service on its own (the production shape: one process per service)."""
    settings = settings_for(definition)
    app = create_service_app(definition, settings)
    uvicorn.run(app, **server_options(settings), timeout_graceful_shutdown=10)


class _QuietServer(uvicorn.Server):
    """Leaves signals to :func:`serve_all`, which stops every server together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_all(host: str = "127.0.0.1", base_port: int | None = None) -> None:
    """The embedded default: every service in one process, SQLite files and one in-process bus."""
    bus = InProcessBus()
    servers = []
    for package in SERVICES:
        definition = definition_of(package)
        port = definition.default_port if base_port is None else base_port + SERVICES.index(package)
        settings = settings_for(definition, host=host, port=port)
        app = create_service_app(definition, settings, bus=bus)
        config = uvicorn.Config(app, **server_options(settings))
        server = _QuietServer(config)
        servers.append((definition, settings, server))
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for _, _, server in servers:
            server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    tasks = [asyncio.create_task(server.serve()) for _, _, server in servers]
    while not all(server.started for _, _, server in servers):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.05)
    for definition, settings, _ in servers:
        print(f"{definition.name:<10} http://{settings.host}:{settings.port}/docs", flush=True)
    print("Ctrl-C stops every service. Data: ./data (SQLite). Dev token: make token", flush=True)
    await asyncio.gather(*tasks)


def main() -> None:
    """``GUICHET_BASE_PORT`` moves the ports to BASE, BASE+1, ... in declaration order (tests, or
    a busy machine)."""
    base_port = os.environ.get("GUICHET_BASE_PORT")
    asyncio.run(serve_all(base_port=int(base_port) if base_port else None))


if __name__ == "__main__":
    main()
