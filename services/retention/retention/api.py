"""ASGI entry point: `uvicorn retention.api:app` (settings from GUICHET_* environment variables)."""

from events.service.app import create_service_app
from retention.service import DEFINITION

app = create_service_app(DEFINITION)
