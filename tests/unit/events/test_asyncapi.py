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


def test_every_reference_resolves_inside_the_document():
    document = build_document()

    def references(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [ref for value in node.values() for ref in references(value)]
        if isinstance(node, list):
            return [ref for value in node for ref in references(value)]
        return []

    def resolve(pointer: str) -> object:
        node: object = document
        for part in pointer.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"{pointer} does not exist"
            node = node[part]
        return node

    refs = references(document)
    assert "#/components/schemas/PostalAddress" in refs
    for ref in refs:
        resolve(ref)
    assert all("$defs" not in m["payload"] for m in document["components"]["messages"].values())
