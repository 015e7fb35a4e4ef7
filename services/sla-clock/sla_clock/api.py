"""ASGI entry point: `uvicorn sla_clock.api:app` (settings from GUICHET_* environment variables)."""

from events.service.app import create_service_app
from sla_clock.service import DEFINITION

app = create_service_app(DEFINITION)
