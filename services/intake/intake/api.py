"""ASGI entry point: `uvicorn intake.api:app` (settings from GUICHET_* environment variables)."""

from events.service.app import create_service_app
from intake.service import DEFINITION

app = create_service_app(DEFINITION)
