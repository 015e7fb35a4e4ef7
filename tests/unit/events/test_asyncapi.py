"""The checked-in AsyncAPI document is what the catalogue generates."""

import json
from pathlib import Path

from events.asyncapi import build_document, render

DOCUMENT = Path(__file__).parents[3] / "docs" / "asyncapi.json"


def test_the_checked_in_asyncapi_document_is_up_to_date():
    assert DOCUMENT.read_text() == render(), "run `make asyncapi` and commit docs/asyncapi.json"


def test_every_intake_event_named_by_the_issue_is_published():
    messages = json.loads(render())["components"]["messages"]
    for name in (
        "CustomerRegistered",
        "CustomerUpdated",
        "CustomersMerged",
        "RequestReceived",
        "RequestQualified",
        "PriorityChanged",
        "RequestAssigned",
        "RequestTransferred",
        "InteractionRecorded",
        "CommitmentMade",
        "AwaitingCustomer",
        "CustomerReplied",
        "RequestResolved",
        "RequestClosed",
        "RequestReopened",
        "SatisfactionRecorded",
    ):
        assert f"intake_{name}" in messages


def test_channels_are_one_topic_per_context_with_cloudevent_headers():
    document = build_document()
    assert document["channels"]["intake"]["address"] == "guichet.intake"
    message = document["components"]["messages"]["intake_RequestReceived"]
    assert message["headers"] == {"$ref": "#/components/schemas/CloudEventHeaders"}
    assert "received_at" in message["payload"]["required"]
    assert message["x-personal-data-fields"] == ["contact", "description", "subject"]
