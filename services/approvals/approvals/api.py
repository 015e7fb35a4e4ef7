"""ASGI entry point: `uvicorn approvals.api:app` (settings from GUICHET_* environment variables)."""

from events.service.app import create_service_app
from approvals.service import DEFINITION

app = create_service_app(DEFINITION)
