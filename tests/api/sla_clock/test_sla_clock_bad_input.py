"""The SLA clock refuses bad input with 4xx problem+json (never a 500), and an event it could
not compute no longer parks a request's stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sla_harness import T0, Harness, bearer
from test_sla_clock_api import p1_request

from events.catalogue import intake as ev

PROBLEM = "application/problem+json"


def refused(response, field: str | None = None) -> dict:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    if field is not None:
        assert field in [
            error["field"].split(".", 1)[-1] if error["field"].startswith("query.") else error["field"]
            for error in body["errors"]
        ], body
    return body


@pytest.fixture
def h(tmp_path):
    with Harness(tmp_path) as harness:
        yield harness


@pytest.mark.parametrize(
    ("name", "value"), [("from", "0001-01-01T00:00:00+14:00"), ("to", "9999-12-31T23:59:59-14:00")]
)
def test_kpis_over_instants_out_of_range_are_a_422(h, name, value):
    response = h.client.get("/kpis", params={name: value}, headers=bearer(1))
    body = refused(response, name)
    assert "1900-01-01 and 2200-01-01" in body["errors"][0]["message"]


def test_kpis_over_a_naive_instant_are_a_422(h):
    refused(h.client.get("/kpis", params={"from": "2026-03-02T09:00:00"}, headers=bearer(1)), "from")


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "1900-W01", "2199-W52"])
@pytest.mark.parametrize("path", ["/reports/weekly", "/reports/weekly.html"])
def test_a_weekly_report_of_a_year_out_of_range_is_a_422(h, path, week):
    body = refused(h.client.get(path, params={"week": week}, headers=bearer(1)))
    assert body["type"].endswith("/validation-error") and "year" in body["detail"]


def test_a_policy_missing_a_key_is_a_422_naming_the_field(h):
    spec = h.client.get("/policies/current", headers=bearer(1)).json()["policy"]
    del spec["priorities"]
    response = h.client.put(
        "/policies/current", json={"policy": spec, "reason": "lost priorities"}, headers=bearer(3)
    )
    body = refused(response, "policy.priorities")
    assert body["type"].endswith("/invalid-policy")
    assert "KeyError" not in response.text and body["detail"] == "missing field 'priorities'"


@pytest.mark.parametrize(
    "due",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
def test_a_customer_deadline_in_year_9999_neither_overflows_nor_parks_the_request(h, due):
    rid, events = p1_request()
    waiting = ev.AwaitingCustomer(
        request_id=rid, expected="invoice", customer_due_at=due, at=T0 + timedelta(minutes=5)
    )
    replied = ev.CustomerReplied(request_id=rid, at=T0 + timedelta(hours=1))
    resolved = ev.RequestResolved(
        request_id=rid, resolution="done", first_contact=False, at=T0 + timedelta(hours=2)
    )
    confirmed = ev.InteractionRecorded(  # the customer's answer to the resolution ends its relances
        request_id=rid,
        interaction_id=uuid4(),
        channel="email",
        direction="inbound",
        subject="Re: done",
        summary="it works",
        occurred_at=T0 + timedelta(hours=3),
    )
    h.send(rid, *events, waiting, replied, resolved, confirmed)
    assert h.call(h.runtime.consumer.parked) == []
    deadlines = h.client.get(f"/requests/{rid}/deadlines", headers=bearer(1)).json()["deadlines"]
    assert not [d for d in deadlines if d["status"] == "active"], deadlines


@pytest.mark.parametrize("reason", ["new\r\nBcc: eve", "\u200b\u200b\u200b", "x\u202eyz", "ok"])
def test_a_policy_reason_follows_the_printable_text_rule(h, reason):
    spec = h.client.get("/policies/current", headers=bearer(1)).json()["policy"]
    response = h.client.put("/policies/current", json={"policy": spec, "reason": reason}, headers=bearer(3))
    refused(response, "reason")
    assert h.client.get("/policies/current", headers=bearer(1)).json()["version"] == 1
