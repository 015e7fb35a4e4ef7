"""Policy and calendar bodies are typed: the OpenAPI shows their structure, and a body of the
wrong shape is a 422 naming the field, refused as an invalid policy or calendar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import Any

import pytest
from sla_harness import Harness, bearer

PROBLEM = "application/problem+json"


@pytest.fixture
def h(tmp_path: Any) -> Iterator[Harness]:
    with Harness(tmp_path) as harness:
        yield harness


def refused(response: Any, kind: str, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(f"/{kind}"), body
    assert [error["field"] for error in body["errors"]] == [field], body
    return body


def test_the_openapi_shows_the_structure_of_a_policy_and_a_calendar(h: Harness) -> None:
    schemas = h.client.get("/openapi.json").json()["components"]["schemas"]
    policy = schemas["PolicySpec"]
    assert set(policy["required"]) == {"apply_cutoff", "priorities", "channels", "overrides"}
    assert set(schemas["PrioritiesSpec"]["properties"]) == {"P1", "P2", "P3"}
    assert set(schemas["TargetSpec"]["properties"]) == {"seconds", "basis"}
    assert schemas["PolicyUpdate"]["properties"]["policy"] == {"$ref": "#/components/schemas/PolicySpec"}
    calendar = schemas["CalendarSpec"]
    assert set(calendar["properties"]) == {
        "name",
        "tz",
        "weekly_hours",
        "holidays",
        "extra_closed_dates",
        "cutoff",
    }
    assert schemas["CalendarUpdate"]["properties"]["calendar"] == {
        "$ref": "#/components/schemas/CalendarSpec"
    }


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        target: Any = spec
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            _set(("priorities", "P1", "first_response", "seconds"), "soon"),
            "policy.priorities.P1.first_response.seconds",
        ),
        (
            _set(("priorities", "P2", "resolution", "basis"), "weekly"),
            "policy.priorities.P2.resolution.basis",
        ),
        (
            _set(("priorities", "P1", "resolution", "seconds"), 1e12),
            "policy.priorities.P1.resolution.seconds",
        ),
        (
            _set(("channels", "pigeon"), {"first_response": None, "resolution": None}),
            "policy.channels.pigeon.[key]",
        ),
        (_set(("priorities", "P4"), {}), "policy.priorities.P4"),
        (_set(("apply_cutoff",), "sometimes"), "policy.apply_cutoff"),
        (_set(("overrides",), {"scope": "team"}), "policy.overrides"),
    ],
)
def test_a_policy_of_the_wrong_shape_is_a_422_naming_the_field(
    h: Harness, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    spec = deepcopy(h.client.get("/policies/current", headers=bearer(1)).json()["policy"])
    change(spec)
    response = h.client.put(
        "/policies/current", json={"policy": spec, "reason": "typed body"}, headers=bearer(3)
    )
    refused(response, "invalid-policy", field)
    assert h.client.get("/policies/current", headers=bearer(1)).json()["version"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set(("weekly_hours", "mon"), ["8h-12h"]), "calendar.weekly_hours.mon.0"),
        (_set(("weekly_hours", "funday"), []), "calendar.weekly_hours.funday.[key]"),
        (_set(("extra_closed_dates",), ["someday"]), "calendar.extra_closed_dates.0"),
        (_set(("cutoff",), "4 pm"), "calendar.cutoff"),
        (_set(("holidays",), {"country": "France"}), "calendar.holidays.country"),
    ],
)
def test_a_calendar_of_the_wrong_shape_is_a_422_naming_the_field(
    h: Harness, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    spec = deepcopy(h.client.get("/calendars", headers=bearer(1)).json()["calendars"]["france"])
    change(spec)
    response = h.client.put(f"/calendars/{spec['name']}", json={"calendar": spec}, headers=bearer(3))
    refused(response, "invalid-calendar", field)


def test_a_well_formed_calendar_is_defined_and_read_back(h: Harness) -> None:
    spec = deepcopy(h.client.get("/calendars", headers=bearer(1)).json()["calendars"]["france"])
    spec |= {"name": "lyon", "extra_closed_dates": ["2026-12-26"], "cutoff": "15:30"}
    response = h.client.put("/calendars/lyon", json={"calendar": spec}, headers=bearer(3))
    assert response.status_code == 200, response.text
    assert h.client.get("/calendars", headers=bearer(1)).json()["calendars"]["lyon"] == spec
