"""The role x route probe for `?as_of=` (time travel): a query parameter on routes whose own
permission is open to many, so the right is checked inside the route. Every GET route of intake
and the SLA clock that takes `as_of` is called with it by each persona: only the time-travel
right lets one through (neither 401 nor 403, no 5xx), the others get 403 naming that right,
before any lookup (the ids are unknown)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from personas import bearer
from test_role_route_matrix import PERSONAS, api_routes, concrete

from events.service.access import AccessPolicy
from events.service.auth import Actor
from intake.entrypoints.access import POLICY as INTAKE_POLICY
from sla_clock.entrypoints.access import POLICY as SLA_POLICY

RIGHTS = {"intake": ("intake:time-travel", INTAKE_POLICY), "sla_clock": ("sla:time-travel", SLA_POLICY)}
AS_OF = {"as_of": datetime(2026, 3, 2, 9, tzinfo=UTC).isoformat()}


def takes_as_of(dependant: Dependant) -> bool:
    return any(param.alias == "as_of" for param in dependant.query_params) or any(
        takes_as_of(dependency) for dependency in dependant.dependencies
    )


def time_travel_paths(client: TestClient) -> list[str]:
    return sorted(
        route.path
        for route in api_routes(client)
        if "GET" in (route.methods or ()) and takes_as_of(route.dependant)
    )


@pytest.mark.parametrize("name", sorted(RIGHTS))
@pytest.mark.parametrize(("roles", "level"), PERSONAS, ids=lambda p: str(p))
def test_as_of_follows_the_time_travel_right(
    request: pytest.FixtureRequest, name: str, roles: tuple[str, ...], level: int
) -> None:
    client: TestClient = request.getfixturevalue(name)
    permission, policy = RIGHTS[name]
    assert isinstance(policy, AccessPolicy)
    paths = time_travel_paths(client)
    assert paths, f"no route of {name} takes as_of"
    allowed = policy.rule(permission).allows(Actor(subject="probe", roles=roles, level=level))
    wrong = []
    for path in paths:
        response = client.get(concrete(path), params=AS_OF, headers=bearer("probe", *roles, level=level))
        refused = response.status_code == 403 and response.json().get("missing") == permission
        fine = response.status_code not in (401, 403) and response.status_code < 500
        if (allowed and not fine) or (not allowed and not refused):
            wrong.append(f"{path}: {response.status_code} {response.text[:200]}")
    assert wrong == []


def test_the_time_travel_routes_are_those_expected(intake: TestClient, sla_clock: TestClient) -> None:
    assert time_travel_paths(intake) == ["/requests/{request_id}", "/requests/{request_id}/timeline"]
    assert time_travel_paths(sla_clock) == ["/requests/{request_id}/deadlines"]
