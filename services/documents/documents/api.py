"""ASGI entry point: `uvicorn documents.api:app` (settings from GUICHET_* environment variables)."""

from documents.service import DEFINITION
from events.service.app import create_service_app

app = create_service_app(DEFINITION)
