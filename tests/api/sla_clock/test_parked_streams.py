"""Parked streams are visible and releasable by ops through the API (the kit's /parked
routes, mounted on every service that consumes)."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sla_harness import Harness
from test_sla_clock_api import p1_request

from events.service.auth import issue_token

OPS = {"Authorization": f"Bearer {issue_token('oscar', roles=('ops',), team='platform')}"}
DIRECTOR = {"Authorization": f"Bearer {issue_token('dora', roles=('director',), level=3, team='support')}"}


class Breakable:
    """Wraps a handler so that it fails while ``broken`` is set."""

    def __init__(self, handler) -> None:
        self.handler, self.broken = handler, True

    async def __call__(self, *args):
        if self.broken:
            raise RuntimeError("policy table missing for this priority")
        return await self.handler(*args)


@pytest.fixture
def h(tmp_path):
    with Harness(tmp_path) as harness:
        yield harness


def test_ops_see_a_parked_stream_with_its_reason_and_release_it_once_fixed(h):
    handlers = h.runtime.consumer.handlers
    breakable = handlers["intake.RequestQualified"] = Breakable(handlers["intake.RequestQualified"])
    rid, events = p1_request()
    h.send(rid, *events)

    response = h.client.get("/parked", headers=OPS)
    assert response.status_code == 200, response.text
    [stream] = response.json()
    assert stream["stream_id"] == str(rid)
    assert "policy table missing" in stream["reason"]
    assert stream["first_event"]["type"] == "intake.RequestQualified"
    assert stream["events"] == 1

    still_broken = h.client.post(f"/parked/{rid}/release", headers=OPS).json()
    assert still_broken["still_parked"] is True and still_broken["outcomes"] == {"parked": 1}

    breakable.broken = False
    released = h.client.post(f"/parked/{rid}/release", headers=OPS)
    assert released.status_code == 200, released.text
    assert released.json() == {
        "stream_id": str(rid),
        "released": 1,
        "outcomes": {"processed": 1},
        "still_parked": False,
    }
    assert h.client.get("/parked", headers=OPS).json() == []
    deadlines = h.client.get(f"/requests/{rid}/deadlines", headers=OPS).json()["deadlines"]
    assert any(d["kind"] == "first_response" and d["status"] == "active" for d in deadlines)


def test_releasing_a_stream_with_nothing_parked_is_a_404(h):
    response = h.client.post(f"/parked/{uuid4()}/release", headers=OPS)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), [("get", "/parked"), ("post", f"/parked/{uuid4()}/release")])
def test_only_ops_may_see_or_release_parked_streams(h, method, path):
    assert h.client.request(method, path, headers={"Authorization": ""}).status_code == 401
    refused = h.client.request(method, path, headers=DIRECTOR)
    assert refused.status_code == 403
    assert refused.json()["missing"].startswith("platform:") and refused.json()["needs"]["roles"] == ["ops"]


def test_the_openapi_states_the_parked_routes_and_their_rule(h):
    paths = h.client.get("/openapi.json").json()["paths"]
    assert "ops" in paths["/parked"]["get"]["description"]
    assert "post" in paths["/parked/{stream_id}/release"]
