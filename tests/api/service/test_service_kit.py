"""The service kit in an app on the embedded default (SQLite under a temporary data dir):
health, readiness, auth, problem+json, limits."""

from __future__ import annotations

import socket

from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel

from events.service.app import create_service_app
from events.service.auth import CurrentActor, issue_token, require_level
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

router = APIRouter()


class Greeting(BaseModel):
    name: str
    times: int


@router.post("/greetings")
def greet(body: Greeting, actor: CurrentActor) -> dict[str, str]:
    return {"by": actor.subject, "text": f"hello {body.name}" * body.times}


@router.post("/approvals", dependencies=[require_level(3)])
def approve() -> dict[str, bool]:
    return {"approved": True}


DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit", routers=(router,))


def client_for(tmp_path, **overrides) -> TestClient:
    settings = ServiceSettings(service="kit", data_dir=tmp_path, log_json=False, **overrides)
    return TestClient(create_service_app(DEFINITION, settings))


def bearer(level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('alice', level=level, team='support')}"}


def test_healthz_and_readyz_answer_on_the_embedded_default(tmp_path, wait_ready):
    with client_for(tmp_path) as client:
        assert client.get("/healthz").json() == {"status": "ok", "service": "kit"}
        readyz = wait_ready(client)
        assert readyz.status_code == 200
        assert readyz.json()["checks"] == {"database": "ok", "startup": "ok", "bus": "ok"}
        assert (tmp_path / "kit.db").exists()


def test_an_unreachable_database_gives_readyz_503_with_the_reason_not_a_crash(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    url = f"postgresql://nobody@127.0.0.1:{closed_port}/nowhere"
    with client_for(tmp_path, database_url=url, jwt_secret="s" * 32) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert "unreachable" in response.json()["checks"]["database"]
        assert client.get("/healthz").status_code == 200


def test_a_mutating_call_without_a_token_is_401_problem_json(tmp_path):
    with client_for(tmp_path) as client:
        response = client.post("/greetings", json={"name": "x", "times": 1})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/unauthenticated")


def test_a_forged_token_is_401(tmp_path):
    forged = issue_token("mallory", level=3, secret="not-the-configured-secret-at-all")
    with client_for(tmp_path) as client:
        response = client.post("/approvals", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
        assert "Signature" in response.json()["detail"]


def test_an_insufficient_authorisation_level_is_403(tmp_path):
    with client_for(tmp_path) as client:
        response = client.post("/approvals", headers=bearer(level=2))
        assert response.status_code == 403
        assert response.json()["type"].endswith("/insufficient-level")
        assert client.post("/approvals", headers=bearer(level=3)).json() == {"approved": True}


def test_a_wrong_type_is_422_problem_json_naming_the_field(tmp_path):
    with client_for(tmp_path) as client:
        response = client.post("/greetings", json={"name": "x", "times": "many"}, headers=bearer())
        assert response.status_code == 422
        body = response.json()
        assert body["title"] == "The request is not valid"
        assert [e["field"] for e in body["errors"]] == ["times"]


def test_an_oversized_body_is_413_problem_json(tmp_path):
    with client_for(tmp_path, max_body_bytes=1000) as client:
        response = client.post(
            "/greetings",
            content=b"{" + b" " * 5000 + b"}",
            headers=bearer() | {"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["status"] == 413


def test_an_oversized_chunked_body_is_413_and_a_small_one_goes_through(tmp_path):
    """No Content-Length: the limit is applied while reading (it used to surface as a 400
    from the framework's body parsing)."""

    def chunks(*parts: bytes):
        yield from parts

    with client_for(tmp_path, max_body_bytes=1000) as client:
        headers = bearer() | {"content-type": "application/json"}
        too_big = client.post(
            "/greetings", content=chunks(b'{"name": "', b"x" * 3000, b'"}'), headers=headers
        )
        small = client.post(
            "/greetings", content=chunks(b'{"name": "bo', b'b", "times": 2}'), headers=headers
        )
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    assert too_big.json()["title"] == "Payload too large"
    assert (small.status_code, small.json()["text"]) == (200, "hello bobhello bob")


def test_responses_carry_request_and_correlation_ids(tmp_path):
    with client_for(tmp_path) as client:
        response = client.get("/healthz", headers={"X-Correlation-ID": "corr-1"})
        assert response.headers["x-correlation-id"] == "corr-1"
        assert len(response.headers["x-request-id"]) == 32


def test_metrics_expose_http_latency_by_route_template(tmp_path):
    with client_for(tmp_path) as client:
        client.get("/healthz")
        text = client.get("/metrics").text
        assert 'guichet_http_request_seconds_count{method="GET",route="/healthz"' in text
