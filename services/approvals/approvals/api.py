"""ASGI entry point: `uvicorn approvals.api:app` (settings from GUICHET_* environment variables)."""

from approvals.service import DEFINITION
from events.service.app import create_service_app

app = create_service_app(DEFINITION)
