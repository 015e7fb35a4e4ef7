"""What intake's OpenAPI document promises about errors, and the answers that keep it: input
validation before preconditions, a malformed If-Match is a 400, a 405 names every method."""

from __future__ import annotations

import uuid

import pytest

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").json()


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def test_every_error_response_is_documented_as_a_problem(document):
    errors = 0
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                errors += 1
                assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, (method, path, status)
    assert errors > 100
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert set(problem["properties"]) >= {"type", "title", "status", "detail", "instance", "errors"}
    assert "HTTPValidationError" not in str(document)


def test_each_operation_documents_the_errors_it_can_answer(document):
    paths = document["paths"]
    acknowledge = paths["/requests/{request_id}/acknowledge"]["post"]["responses"]
    assert {"200", "400", "401", "404", "409", "412", "422", "428"} <= set(acknowledge)
    assert not {"408", "413", "503"} & set(acknowledge)  # no body, nothing that waits on start-up
    register = paths["/customers"]["post"]["responses"]
    assert {"401", "408", "413", "422"} <= set(register) and "404" not in register
    assert set(paths["/healthz"]["get"]["responses"]) == {"200"}
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "503"}
    for path, method, operation in _operations(document):
        if operation.get("security"):
            assert "401" in operation["responses"], (method, path)


def test_if_match_is_a_required_header_wherever_it_is_read(document):
    if_match = [
        (path, method, parameter)
        for path, method, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"].lower() == "if-match"
    ]
    assert len(if_match) == 21  # 19 request commands, 2 customer commands
    assert all(parameter["required"] is True for _, _, parameter in if_match)


def test_metrics_are_documented_as_the_text_they_are(client, document):
    assert list(document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_without_if_match_a_command_is_still_a_428(desk, client):
    request = desk.new_request()
    response = client.post(f"/requests/{request['request_id']}/acknowledge", headers=desk.auth)
    assert response.status_code == 428
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/precondition-required")


@pytest.mark.parametrize("if_match", ["abc", "*", '"²"', '"' + "9" * 4301 + '"', '"1", "2"'])
def test_a_malformed_if_match_is_a_400(desk, client, if_match):
    request = desk.new_request()
    url = f"/requests/{request['request_id']}/acknowledge"
    response = client.post(url, headers=desk.auth | {"If-Match": if_match.encode()})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/malformed-if-match")


@pytest.mark.parametrize("if_match", [None, '"1"', "nonsense"])
def test_a_malformed_path_id_is_a_422_whatever_the_if_match(desk, client, if_match):
    headers = desk.auth | ({"If-Match": if_match} if if_match else {})
    response = client.post("/requests/not-a-uuid/acknowledge", headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "request_id" in response.json()["detail"]


@pytest.mark.parametrize("if_match", [None, '"1"', "nonsense"])
def test_a_malformed_body_is_a_422_whatever_the_if_match(desk, client, if_match):
    request = desk.new_request()
    headers = desk.auth | ({"If-Match": if_match} if if_match else {})
    url = f"/requests/{request['request_id']}/priority"
    response = client.post(url, headers=headers, json={"priority": "P9"})
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/validation-error")


def test_a_valid_if_match_on_an_unknown_request_is_a_404(desk, client):
    url = f"/requests/{uuid.uuid4()}/acknowledge"
    assert client.post(url, headers=desk.auth | {"If-Match": '"1"'}).status_code == 404


def test_a_405_names_every_method_of_the_path(desk, client):
    customers = client.put("/customers", headers=desk.auth, json={})
    assert customers.status_code == 405
    assert customers.headers["content-type"] == PROBLEM_JSON
    assert customers.headers["allow"] == "GET, POST"
    request = desk.new_request()
    one_request = client.delete(f"/requests/{request['request_id']}", headers=desk.auth)
    assert one_request.status_code == 405
    assert one_request.headers["allow"] == "GET, PATCH"


@pytest.mark.parametrize("instant", ["0.5", "1700000000"])
def test_a_date_time_parameter_is_not_read_as_unix_time(desk, instant):
    response = desk.get("/requests", received_to=instant)
    assert response.status_code == 422, response.text
    assert "received_to" in response.json()["detail"]


def test_a_body_that_is_not_text_is_a_documented_400(desk, client, document):
    response = client.post(
        "/requests", headers=desk.auth | {"Content-Type": "application/json"}, content=b">\xff"
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "400" in document["paths"]["/requests"]["post"]["responses"]
