"""The kit's /docs page is served from the installed package (no public host named), and a
route that authenticates answers 401 to an unauthenticated caller before it reads the body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel

from events.service.app import create_service_app
from events.service.auth import CurrentActor, issue_token
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

router = APIRouter()


class Greeting(BaseModel):
    name: str
    times: int


@router.post("/greetings")
async def greet(body: Greeting, actor: CurrentActor) -> dict[str, str]:
    return {"by": actor.subject, "text": f"hello {body.name}" * body.times}


@router.post("/greetings/{greeting_id}/echo")
async def echo(greeting_id: int, body: Greeting, actor: CurrentActor) -> dict[str, str]:
    return {"by": actor.subject, "text": body.name}


@router.post("/letters")
async def post_letter(body: Greeting) -> dict[str, str]:
    """No authentication: the body is read and validated as usual."""
    return {"text": body.name}


DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit", routers=(router,))
MALFORMED = [b"{", b'{"name": "x", "times": }', b"\xff\xfe", b"[" * 5000]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(service="kit", data_dir=tmp_path, log_json=False)
    with TestClient(create_service_app(DEFINITION, settings)) as client:
        yield client


def token() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('alice', team='support')}"}


#: Any reference to another host: a scheme, or a protocol-relative URL.
EXTERNAL = re.compile(r"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}")


def test_docs_reference_no_external_host_and_their_assets_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert EXTERNAL.findall(page.text) == []
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(references) == [
        "/docs/assets/favicon-32x32.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    kinds = {path: client.get(path).headers["content-type"].split(";")[0] for path in references}
    assert kinds == {
        "/docs/assets/favicon-32x32.png": "image/png",
        "/docs/assets/swagger-ui-bundle.js": "text/javascript",
        "/docs/assets/swagger-ui.css": "text/css",
    }
    assert "url: '/openapi.json'" in page.text and '"validatorUrl": null' in page.text
    assert client.get("/docs/assets/swagger-ui-bundle.js").content.startswith(b"/*!")


def test_redoc_from_a_public_cdn_is_not_exposed(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("body", MALFORMED, ids=["open-brace", "missing-value", "not-utf8", "deep"])
def test_a_malformed_body_without_a_token_is_a_401_before_the_body_is_read(
    client: TestClient, body: bytes
) -> None:
    for path in ("/greetings", f"/greetings/{uuid4()}/echo"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/unauthenticated")
    forged = {"Authorization": "Bearer not.a.jwt", "content-type": "application/json"}
    assert client.post("/greetings", content=b"{", headers=forged).status_code == 401


def test_with_a_valid_token_a_malformed_body_is_still_refused_as_before(client: TestClient) -> None:
    headers = token() | {"content-type": "application/json"}
    malformed = client.post("/greetings", content=b"{", headers=headers)
    assert malformed.status_code in (400, 422)
    assert malformed.headers["content-type"] == "application/problem+json"
    invalid = client.post("/greetings", json={"name": "x"}, headers=token())
    assert invalid.status_code == 422
    assert client.post("/greetings", json={"name": "x", "times": 2}, headers=token()).json() == {
        "by": "alice",
        "text": "hello xhello x",
    }


def test_a_route_without_authentication_validates_its_body_as_usual(client: TestClient) -> None:
    response = client.post("/letters", content=b"{", headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert client.post("/letters", json={"name": "x", "times": 1}).json() == {"text": "x"}
