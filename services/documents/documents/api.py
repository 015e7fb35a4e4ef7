"""ASGI entry point: `uvicorn documents.api:app` (settings from GUICHET_* environment variables)."""

from events.service.app import create_service_app
from documents.service import DEFINITION

app = create_service_app(DEFINITION)
