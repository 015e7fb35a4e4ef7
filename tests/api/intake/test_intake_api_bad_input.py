"""Intake refuses bad input with 4xx problem+json, the same on every backend: instants out of
1900-2200, text that breaks the printable-text rule, customer deadlines that would freeze the
SLA clock; and zero-width characters do not hide a duplicate customer."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from events.observability.tracing import valid_traceparent

PROBLEM = "application/problem+json"


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert field in [error["field"].split(".")[-1] for error in response.json()["errors"]], response.json()


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_list_filter_out_of_range_is_a_422(desk, value):
    assert_refused(desk.get("/requests", received_from=value), "received_from")
    assert_refused(desk.get("/requests", received_to=value), "received_to")


def test_a_reception_in_year_one_is_a_422(desk):
    response = desk.post(
        "/requests", {"channel": "email", "contact": "a@b.fr", "received_at": "0001-01-01T00:00:00+14:00"}
    )
    assert_refused(response, "received_at")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\r\nBcc: eve@example.com"),
        ("subject", "\u200b"),
        ("subject", "facture\u202egpj.exe"),
        ("contact", "jean\x00@exemple.fr"),
        ("description", "null\x00byte"),
    ],
)
def test_unprintable_request_text_is_a_422(desk, field, value):
    response = desk.post("/requests", {"channel": "email", "contact": "a@b.fr"} | {field: value})
    assert_refused(response, field)


def test_a_nul_byte_in_a_postal_code_is_a_422(desk):
    # Germany: no postal code format is checked there, so only the text rule can refuse it.
    body = {
        "profile": "b2c",
        "first_name": "Anna",
        "last_name": "Martin",
        "email": "martin@exemple.de",
        "address": {"postal_code": "10\x00115", "country": "DE"},
    }
    assert_refused(desk.post("/customers", body), "postal_code")


def test_zero_width_characters_are_stripped_before_storing(desk):
    created = desk.new_customer(
        first_name="Jo\u200bse\u0301", last_name=" Mar\u2060tin ", email="jose@exemple.fr", phone=None
    )
    assert (created["first_name"], created["last_name"]) == ("José", "Martin")


def test_zero_width_characters_do_not_hide_a_duplicate(desk):
    existing = desk.new_customer()
    twin = {
        "profile": "b2c",
        "first_name": "Élo\u200bïse",
        "last_name": "Du\u200cpont",
        "email": "eloise.dupont@exemple.fr",
    }
    response = desk.post("/customers", twin)
    assert response.status_code == 409, response.text
    assert [c["customer_id"] for c in response.json()["candidates"]] == [existing["customer_id"]]


def test_a_multi_line_description_keeps_its_lines(desk):
    created = desk.new_request(description="first line\r\n\tsecond line")
    assert created["description"] == "first line\n\tsecond line"


def test_a_customer_deadline_in_year_9999_is_a_422(desk, clock):
    request = desk.new_request()
    request = desk.command(request, "acknowledge").json()
    response = desk.command(
        request, "awaiting-customer", {"expected": "invoice", "customer_due_at": "9999-12-31T23:59:59Z"}
    )
    assert_refused(response, "customer_due_at")


def test_a_customer_deadline_more_than_a_year_ahead_is_a_422(desk, clock):
    request = desk.command(desk.new_request(), "acknowledge").json()
    too_far = (clock.now() + timedelta(days=366)).isoformat()
    response = desk.command(request, "awaiting-customer", {"expected": "invoice", "customer_due_at": too_far})
    assert_refused(response, "customer_due_at")
    assert response.json()["type"].endswith("/customer-deadline-refused")
    within = (clock.now() + timedelta(days=364)).isoformat()
    response = desk.command(request, "awaiting-customer", {"expected": "invoice", "customer_due_at": within})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "awaiting_customer"


def recorded_trace(client, request_id: str) -> tuple[str | None, str | None]:
    store = client.app.state.runtime.store
    [envelope, *_] = client.portal.call(store.read_stream, UUID(request_id), 0)
    return envelope.metadata.traceparent, envelope.metadata.tracestate


VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"traceparent": "garbage", "tracestate": "a=1"},
        {"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        {"traceparent": VALID + "0" * 6000},
    ],
)
def test_a_command_without_a_valid_traceparent_records_a_new_trace(desk, client, header):
    request = desk.post("/requests", {"channel": "email", "contact": "a@b.fr"}, **header).json()
    traceparent, tracestate = recorded_trace(client, request["request_id"])
    assert traceparent is not None and valid_traceparent(traceparent)
    assert traceparent != header.get("traceparent") and tracestate is None


def test_a_valid_traceparent_and_its_tracestate_are_recorded(desk, client):
    headers = {"traceparent": VALID, "tracestate": "congo=t61rcWkgMzE"}
    request = desk.post("/requests", {"channel": "email", "contact": "a@b.fr"}, **headers).json()
    assert recorded_trace(client, request["request_id"]) == (VALID, "congo=t61rcWkgMzE")


@pytest.mark.parametrize("if_match", ['"\u00b2"'.encode(), ('"' + "9" * 4301 + '"').encode()])
def test_an_if_match_of_other_digits_or_thousands_of_them_is_a_400(desk, client, if_match):
    request = desk.new_request()
    path = f"/requests/{request['request_id']}/acknowledge"
    response = client.post(path, headers=desk.auth | {"If-Match": if_match})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
