"""Run one service alone (``python -m <service>``), or every declared service in one process
(``make run``): the services and their order come from ``services.toml``.

A service that cannot start ends with one line naming the reason: uvicorn would log the
traceback of an exception raised while the app starts (its lifespan), and Python that of one
raised before."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from events.bus import InProcessBus
from events.service.app import create_service_app, settings_for
from events.service.declaration import declared_services
from events.service.http_server import server_options
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

SERVICES = tuple(service.package for service in declared_services())
"""The Python package of every declared service, in start order."""


def definition_of(package: str) -> ServiceDefinition:
    definition = importlib.import_module(f"{package}.service").DEFINITION
    if not isinstance(definition, ServiceDefinition):
        raise TypeError(f"{package}.service.DEFINITION is not a ServiceDefinition")
    return definition


class OneLineStartupFailure(logging.Filter):
    """On uvicorn's logger: the traceback of a failed start-up becomes one line with its reason
    (the exception's last line), and uvicorn's "Application startup failed" after it is dropped."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self.reported = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Traceback (most recent call last)"):
            reason = next((line for line in reversed(message.splitlines()) if line.strip()), message)
            record.msg, record.args = "%s failed to start: %s", (self.service, reason.strip())
            self.reported = True
        elif record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg, record.args = (
                "%s failed to start: %s: %s",
                (self.service, type(error).__name__, error),
            )
            record.exc_info, record.exc_text = None, None
            self.reported = True
        elif self.reported and message.startswith("Application startup failed"):
            return False
        return True


def serve(definition: ServiceDefinition) -> None:
    """Run one service on its own (the production shape: one process per service)."""
    try:
        settings = settings_for(definition)
        app = create_service_app(definition, settings)
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        raise SystemExit(f"{definition.name} failed to start: {type(error).__name__}: {error}") from None
    logging.getLogger("uvicorn.error").addFilter(OneLineStartupFailure(definition.name))
    uvicorn.run(app, **server_options(settings), log_config=None, timeout_graceful_shutdown=10)


def banner(settings: ServiceSettings) -> str:
    """``make run``'s last line: where the data is (``GUICHET_DATA_DIR``, or PostgreSQL)."""
    data = f"{Path(settings.data_dir).resolve()} (SQLite)" if settings.embedded else "PostgreSQL"
    return f"Ctrl-C stops every service. Data: {data}. Dev token: make token"


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
        config = uvicorn.Config(app, **server_options(settings), log_config=None)
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
    for definition, settings, _ in servers:
        if describe := definition.extra.get("banner"):
            print(describe(settings), flush=True)
    print(banner(servers[0][1]), flush=True)
    await asyncio.gather(*tasks)


def main() -> None:
    """``GUICHET_BASE_PORT`` moves the ports to BASE, BASE+1, ... in declaration order (tests, or
    a busy machine)."""
    base_port = os.environ.get("GUICHET_BASE_PORT")
    asyncio.run(serve_all(base_port=int(base_port) if base_port else None))


if __name__ == "__main__":
    main()
