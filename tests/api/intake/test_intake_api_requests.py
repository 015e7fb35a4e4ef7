"""Reception of requests over HTTP: flags, idempotency, If-Match, bad input."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4


def test_a_request_is_recorded_with_its_real_arrival_time_and_a_reference(desk, clock):
    arrived = clock.now() - timedelta(days=2)
    request = desk.new_request(channel="letter", received_at=arrived.isoformat())
    assert request["received_at"] == arrived.isoformat().replace("+00:00", "Z")
    assert request["recorded_at"] == clock.now().isoformat().replace("+00:00", "Z")
    assert request["reference"] == "DEM-2026-000001"
    assert request["status"] == "received" and request["allowed_actions"] == ["acknowledge"]
    assert desk.new_request()["reference"] == "DEM-2026-000002"


def test_the_creation_answers_the_request_as_stored(desk):
    """The 201 body is built from the row the creation committed, not read back: it must be
    exactly what a later GET returns (flagged or not, qualified or not, ETag included)."""
    for fields in (
        {},
        {"subject": None, "received_at": None, "customer_id": None},
        {
            "qualification": {
                "category": "billing",
                "impact": "high",
                "urgency": "low",
                "workaround": "none",
                "profile": "b2c",
            }
        },
    ):
        created = desk.post(
            "/requests",
            {"channel": "phone", "contact": "a@exemple.fr", "subject": "Coupure", "description": "x"}
            | fields,
        )
        assert created.status_code == 201, created.text
        stored = desk.get(f"/requests/{created.json()['request_id']}")
        assert created.json() == stored.json()
        assert created.headers["ETag"] == stored.headers["ETag"]


def test_a_request_missing_mandatory_information_is_accepted_and_flagged(desk):
    request = desk.new_request(
        channel="voicemail", received_at=None, contact=None, subject=None, description=None, category=None
    )
    assert request["flagged"] is True
    assert request["missing_fields"] == ["customer_id", "contact", "subject", "description", "received_at"]
    flagged = desk.get("/requests", flagged="true").json()["items"]
    assert [r["request_id"] for r in flagged] == [request["request_id"]]


def test_completing_the_missing_information_clears_the_flag(desk, client):
    request = desk.new_request(subject=None, description=None)
    assert request["missing_fields"] == ["subject", "description"]
    response = client.patch(
        f"/requests/{request['request_id']}",
        headers=desk.auth | {"If-Match": '"1"'},
        json={"subject": "Coupure", "description": "Plus de service depuis 8h"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["flagged"] is False
    assert response.headers["ETag"] == '"2"'


def test_a_retried_post_with_the_same_idempotency_key_creates_one_request(desk):
    body = {"channel": "web_form", "contact": "a@exemple.fr", "subject": "Accès", "description": "x"}
    first = desk.post("/requests", body, **{"Idempotency-Key": "form-42"})
    retry = desk.post("/requests", body, **{"Idempotency-Key": "form-42"})
    assert first.status_code == retry.status_code == 201
    assert retry.json()["request_id"] == first.json()["request_id"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(desk.get("/requests").json()["items"]) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(desk):
    desk.post("/requests", {"channel": "chat", "subject": "A"}, **{"Idempotency-Key": "k1"})
    response = desk.post("/requests", {"channel": "chat", "subject": "B"}, **{"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert len(desk.get("/requests").json()["items"]) == 1


def test_a_command_without_if_match_is_428_and_with_a_stale_one_is_412(desk, client):
    request = desk.new_request()
    url = f"/requests/{request['request_id']}/acknowledge"
    assert client.post(url, headers=desk.auth).status_code == 428
    assert desk.command(request, "acknowledge").status_code == 200
    stale = desk.command(request, "acknowledge")  # still holds version 1
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2


def test_reads_carry_the_stream_version_as_etag(desk):
    request = desk.new_request()
    response = desk.get(f"/requests/{request['request_id']}")
    assert response.headers["ETag"] == '"1"'


def test_received_in_the_future_is_422_naming_received_at(desk, clock):
    response = desk.post(
        "/requests", {"channel": "email", "received_at": (clock.now() + timedelta(hours=1)).isoformat()}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["received_at"]
    skewed = (clock.now() + timedelta(minutes=2)).isoformat()
    assert desk.post("/requests", {"channel": "email", "received_at": skewed}).status_code == 201


def test_a_naive_datetime_is_422(desk):
    response = desk.post("/requests", {"channel": "email", "received_at": "2026-03-01T10:00:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_at"


def test_unknown_fields_and_wrong_types_are_422_naming_them_and_nothing_is_written(desk):
    unknown = desk.post("/requests", {"channel": "email", "urgent": True})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "urgent"
    wrong = desk.post("/requests", {"channel": "pigeon"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "channel"
    assert desk.get("/requests").json()["items"] == []


def test_an_unknown_customer_is_422_naming_customer_id_and_nothing_is_written(desk):
    response = desk.post("/requests", {"channel": "email", "customer_id": str(uuid4())})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_id"
    assert desk.get("/requests").json()["items"] == []


def test_an_unknown_request_is_404_problem_json(desk):
    response = desk.get(f"/requests/{uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert desk.command({"request_id": uuid4(), "version": 1}, "acknowledge").status_code == 404


def test_a_customer_id_is_not_a_request(desk):
    customer = desk.new_customer()
    assert desk.get(f"/requests/{customer['customer_id']}").status_code == 404
    assert desk.get(f"/requests/{customer['customer_id']}/timeline").status_code == 404


def test_an_oversized_payload_is_413(desk):
    response = desk.post("/requests", {"channel": "email", "description": "x" * 2_000_000})
    assert response.status_code == 413


def test_too_long_a_field_is_422_naming_it(desk):
    response = desk.post("/requests", {"channel": "email", "subject": "x" * 301})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "subject"


def test_every_call_needs_a_bearer_token(client, desk):
    request = desk.new_request()
    assert client.post("/requests", json={"channel": "email"}).status_code == 401
    assert client.get(f"/requests/{request['request_id']}").status_code == 401


def test_the_actor_is_recorded_in_the_event_metadata(desk):
    request = desk.new_request()
    entries = desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"]
    assert [(e["type"], e["actor"]) for e in entries] == [("intake.RequestReceived", "alice")]


def test_qualification_on_reception_routes_the_request(desk):
    request = desk.new_request(
        qualification={
            "category": "technical",
            "profile": "b2b",
            "impact": "critical",
            "urgency": "high",
            "workaround": "none",
        }
    )
    assert request["priority"] == "p1" and request["team"] == "technical_support"
    types = [e["type"] for e in desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"]]
    assert types == ["intake.RequestReceived", "intake.RequestQualified", "intake.RequestAssigned"]
