"""/readyz needs no token: it names the failing component with a generic reason, and the
error itself (host, user, driver message) goes to the log only."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from events.service.app import create_service_app
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_database_is_named_without_its_error_text(tmp_path, capfd):
    url = f"postgresql://secretuser@127.0.0.1:{closed_port()}/hiddendb"
    settings = ServiceSettings(
        service="kit", data_dir=tmp_path, log_json=False, database_url=url, jwt_secret="s" * 32
    )
    with TestClient(create_service_app(DEFINITION, settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["checks"]["database"] == "unreachable"
    assert body["checks"]["startup"] in {"starting", "retrying"}
    for secret in ("secretuser", "hiddendb", "127.0.0.1", "Error", "refused"):
        assert secret not in response.text, secret
    [logged] = [
        line for line in capfd.readouterr().err.splitlines() if "service.database_unreachable" in line
    ]
    assert "Connect call failed" in logged or "refused" in logged
