"""The app factory every service uses: one FastAPI app with the platform's plumbing around its routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from events.bus import InProcessBus
from events.observability.logs import configure_logging
from events.observability.tracing import configure_tracing
from events.service.audit_routes import router as audit_router
from events.service.auth import install_authentication_first
from events.service.docs import install_docs
from events.service.middleware import RequestContextMiddleware
from events.service.openapi import install_openapi
from events.service.parked import router as parked_router
from events.service.problems import PROBLEM_JSON, install_problem_handlers
from events.service.runtime import ServiceDefinition, ServiceRuntime
from events.service.settings import ServiceSettings, refusal


def settings_for(definition: ServiceDefinition, **overrides: object) -> ServiceSettings:
    """Environment settings for a service, defaulting its name, and its port to the declared
    one only when neither ``GUICHET_PORT`` nor an override sets it (keyword arguments would
    win over the environment)."""
    values: dict[str, object] = {"service": definition.name}
    values.update(overrides)
    try:
        settings = ServiceSettings(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        raise refusal(definition.name, error) from None
    if "port" not in settings.model_fields_set:
        settings = settings.model_copy(update={"port": definition.default_port})
    return settings


def create_service_app(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    bus: InProcessBus | None = None,
) -> FastAPI:
    settings = settings or settings_for(definition)
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(definition, settings, bus)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"Guichet {definition.title}",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description=(
            f"The {definition.title} service of Guichet. Errors are RFC 9457 problem+json; "
            "mutating calls need a bearer JWT."
        ),
    )
    app.state.settings = settings
    app.state.definition = definition
    install_problem_handlers(app)
    install_authentication_first(app)
    app.add_middleware(
        RequestContextMiddleware,
        service=definition.name,
        max_body_bytes=settings.max_body_bytes,
        body_timeout=settings.body_timeout,
    )

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Database and bus reachable",
        responses={503: {"description": "Not ready: the checks that fail, with their reason"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime = request.app.state.runtime
        checks = await runtime.check()
        # A service's own components (``runtime.state["readiness"]``: name -> ``() -> str``).
        checks |= {name: probe() for name, probe in runtime.state.get("readiness", {}).items()}
        ready = all(value == "ok" for value in checks.values())
        if ready:
            return JSONResponse({"status": "ready", "checks": checks})
        return JSONResponse(
            {
                "type": "https://guichet.dev/problems/not-ready",
                "title": "Not ready",
                "status": 503,
                "detail": "; ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"),
                "checks": checks,
            },
            status_code=503,
            media_type=PROBLEM_JSON,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"description": "Prometheus text exposition format"}},
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in definition.routers:
        app.include_router(router)
    if definition.consumer_factory is not None:
        app.include_router(parked_router)
    app.include_router(audit_router)
    install_openapi(app)
    install_docs(app)
    configure_tracing(app, definition.name, settings.otel_exporter, settings.otel_endpoint)
    return app


async def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
