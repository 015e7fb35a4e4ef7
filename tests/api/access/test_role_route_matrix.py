"""The role x route probe: every route of intake and the SLA clock, taken from the apps' route
tables, called with a token of each role and level; each answer is asserted from the policy
the route declares (allowed: neither 401 nor 403, and no 5xx; refused: 403 naming the missing
right). A route added without a declaration fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from personas import bearer
from starlette.routing import BaseRoute

from events.service.access import Rule, declared_permission
from events.service.auth import ROLES, Actor

#: Open on purpose: probes and scrapers carry no token.
OPEN_PATHS = {"/healthz", "/readyz", "/metrics"}
#: Credentialed by a signed token in the path, not by a bearer: the customer's survey link.
TOKEN_IN_PATH = {"/surveys/{token}"}

#: Each role alone at level 1, levels 2 and 3 without a manager's role, and no role at all.
PERSONAS: list[tuple[tuple[str, ...], int]] = [((role,), 1) for role in ROLES] + [
    (("agent",), 2),
    (("agent",), 3),
    ((), 1),
]


def api_routes(client: TestClient) -> list[APIRoute]:
    """The app's operations, through the routers it includes (kept as routers by FastAPI)."""
    return list(_flatten(client.app.routes))  # type: ignore[attr-defined]


def _flatten(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _flatten(included.routes)


def protected(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    return sorted(
        (method, route.path, route)
        for route in api_routes(client)
        if route.path not in OPEN_PATHS | TOKEN_IN_PATH
        for method in route.methods or ()
    )


def concrete(path: str) -> str:
    """The path with a fresh id for each ``*_id`` parameter, a plain word for the others."""
    return re.sub(r"\{(\w+)\}", lambda m: str(uuid4()) if m.group(1).endswith("_id") else "probe", path)


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, object] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    return client.request(method, concrete(path), json=body, headers=headers | {"If-Match": '"1"'})


@pytest.fixture(params=["intake", "sla_clock", "approvals", "documents", "retention"])
def service(request: pytest.FixtureRequest) -> TestClient:
    return request.getfixturevalue(request.param)


def test_every_route_but_health_readiness_and_metrics_declares_a_permission(service: TestClient) -> None:
    undeclared = [
        f"{method} {path}" for method, path, route in protected(service) if not declared_permission(route)
    ]
    assert undeclared == []
    assert {route.path for route in api_routes(service)} >= OPEN_PATHS


def test_every_route_but_health_readiness_and_metrics_needs_a_token(service: TestClient) -> None:
    answers = {f"{method} {path}": call(service, method, path, {}) for method, path, _ in protected(service)}
    assert answers, "no route found"
    wrong = {name: response.status_code for name, response in answers.items() if response.status_code != 401}
    assert wrong == {}
    assert {r.headers["content-type"] for r in answers.values()} == {"application/problem+json"}
    for path in OPEN_PATHS:
        assert service.get(path).status_code == 200


@pytest.mark.parametrize(("roles", "level"), PERSONAS, ids=lambda p: str(p))
def test_each_role_gets_what_the_declared_policy_grants(
    service: TestClient, roles: tuple[str, ...], level: int
) -> None:
    actor = Actor(subject="probe", roles=roles, level=level, teams=("support",))
    headers = bearer("probe", *roles, level=level)
    mismatches = []
    for method, path, route in protected(service):
        declared = declared_permission(route)
        assert declared is not None, f"{method} {path} declares no permission"
        permission, rule = declared
        response = call(service, method, path, headers)
        if not expected_answer(rule, actor, permission, response):
            mismatches.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert mismatches == []


def expected_answer(rule: Rule, actor: Actor, permission: str, response: httpx.Response) -> bool:
    if rule.allows(actor):
        return response.status_code not in (401, 403) and response.status_code < 500
    body = response.json()
    return (
        response.status_code == 403
        and response.headers["content-type"] == "application/problem+json"
        and body["missing"] == permission
        and body["needs"] == rule.needs()
    )


def test_the_probe_sees_both_outcomes(intake: TestClient, sla_clock: TestClient) -> None:
    """The matrix is not vacuous: some route refuses an agent, and every route lets some persona through."""
    agent = Actor(subject="probe", roles=("agent",))
    rules = [
        declared_permission(route) for client in (intake, sla_clock) for _, _, route in protected(client)
    ]
    assert any(not declared[1].allows(agent) for declared in rules if declared)
    everyone = [Actor(subject="probe", roles=roles, level=level) for roles, level in PERSONAS]
    assert all(any(declared[1].allows(a) for a in everyone) for declared in rules if declared)


def test_the_openapi_shows_the_bearer_scheme_and_each_operations_rule(service: TestClient) -> None:
    document = service.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] | {"description": ""} == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "",
    }
    for method, path, route in (entry for entry in protected(service) if entry[2].include_in_schema):
        operation = document["paths"][path][method.lower()]
        permission, rule = declared_permission(route) or ("?", None)
        assert operation["security"] == [{"bearer": []}], f"{method} {path}"
        assert f"**Access** (`{permission}`): {rule.describe() if rule else ''}" in operation["description"]
    for path in OPEN_PATHS:
        assert "security" not in document["paths"][path]["get"]


def test_a_route_credentialed_by_its_path_refuses_a_forged_token_whatever_the_bearer(
    intake: TestClient,
) -> None:
    """The survey link: no bearer scheme in the OpenAPI, and a bearer token of any role does not
    stand in for the signed token (401 problem+json, naming the survey token)."""
    routes = [
        (method, route.path)
        for route in api_routes(intake)
        if route.path in TOKEN_IN_PATH
        for method in route.methods or ()
    ]
    assert {path for _, path in routes} == TOKEN_IN_PATH
    document = intake.get("/openapi.json").json()
    for method, path in routes:
        assert "security" not in document["paths"][path][method.lower()]
        for headers in ({}, *(bearer("probe", *roles, level=level) for roles, level in PERSONAS)):
            response = call(intake, method, path, headers)
            assert response.status_code == 401, (headers, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/survey-token-refused")


def test_the_probe_reaches_the_audit_bundles_by_request_and_customer(intake: TestClient) -> None:
    """Intake declares whose streams are whose, so the matrix probes its request and customer
    bundles with every persona."""
    paths = {path for _, path, _ in protected(intake)}
    assert {"/audit/bundle/request/{request_id}", "/audit/bundle/customer/{customer_id}"} <= paths
