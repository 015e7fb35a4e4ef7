"""Documents are read on need-to-know, as intake's requests are: an agent or a manager reads
the documents of their teams' requests (and of requests no team owns, or not heard of yet);
a director, quality, an auditor and the DPO read across teams. Out of reach answers 404 (as
if it did not exist), and a list leaves it out. The team comes from intake's events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from documents_desk import Desk
from fastapi.testclient import TestClient

from events.catalogue import DomainEvent
from events.catalogue import intake as i
from events.envelope import Envelope
from events.service.auth import issue_token

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def token(subject: str, role: str, *teams: str, level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(subject, roles=(role,), teams=teams, level=level)}"}


SUPPORT_AGENT = token("alice", "agent", "support")
BILLING_AGENT = token("bruno", "agent", "billing")
SUPPORT_MANAGER = token("maud", "manager", "support", level=2)
BOTH_TEAMS = token("nina", "agent", "support", "billing")


def delivered(client: TestClient, event: DomainEvent, request_id: UUID, version: int) -> None:
    """Through the service's own consumer, as the bus delivers intake's events."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    envelope = Envelope(
        id=uuid4(),
        source="/guichet/intake",
        type=event.event_type,
        time=AT,
        stream_id=request_id,
        stream_type="request",
        stream_version=version,
        schema_version=event.schema_version,
        data=event.model_dump(mode="json"),
    )
    assert runtime.consumer is not None
    assert client.portal is not None
    client.portal.call(runtime.consumer.process, envelope)


def assigned(client: TestClient, team: str) -> UUID:
    request_id = uuid4()
    delivered(client, i.RequestAssigned(request_id=request_id, team=team, at=AT), request_id, 2)
    return request_id


def listed(client: TestClient, headers: dict[str, str], **params: str) -> set[str]:
    answer = client.get("/documents", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return {item["document_id"] for item in answer.json()["items"]}


@pytest.fixture
def documents(client: TestClient, desk: Desk) -> dict[str, Any]:
    customer = str(uuid4())
    support, billing = assigned(client, "support"), assigned(client, "billing")
    drafted = {
        "support": desk.draft(customer_id=customer, request_id=str(support)),
        "billing": desk.draft(customer_id=customer, request_id=str(billing)),
        "unheard": desk.draft(customer_id=customer),
    }
    return {"customer": customer, "support": support, "billing": billing} | {
        f"{name}_id": document["document_id"] for name, document in drafted.items()
    }


def test_an_agent_reads_the_documents_of_their_teams_requests_only(
    client: TestClient, documents: dict[str, Any]
) -> None:
    support, billing, unheard = (documents[f"{n}_id"] for n in ("support", "billing", "unheard"))
    by_customer = {"customer_id": documents["customer"]}
    assert listed(client, SUPPORT_AGENT, **by_customer) == {support, unheard}
    assert listed(client, SUPPORT_MANAGER, **by_customer) == {support, unheard}
    assert listed(client, BILLING_AGENT, **by_customer) == {billing, unheard}
    assert listed(client, BOTH_TEAMS, **by_customer) == {support, billing, unheard}
    assert listed(client, SUPPORT_AGENT, request_id=str(documents["billing"])) == set()
    assert listed(client, BILLING_AGENT, request_id=str(documents["billing"])) == {billing}

    for path in (f"/documents/{billing}", f"/documents/{billing}.pdf", f"/documents/{billing}.html"):
        hidden = client.get(path, headers=SUPPORT_AGENT)
        assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"
    assert client.get(f"/documents/{billing}", headers=BILLING_AGENT).json()["document_id"] == billing
    assert client.get(f"/documents/{support}.html", headers=SUPPORT_AGENT).status_code == 200


@pytest.mark.parametrize(
    "reader",
    [
        token("dora", "director", level=3),
        token("quentin", "quality"),
        token("aude", "auditor"),
        token("dario", "dpo"),
    ],
)
def test_directors_quality_auditors_and_the_dpo_read_across_teams(
    client: TestClient, documents: dict[str, Any], reader: dict[str, str]
) -> None:
    everything = {documents[f"{n}_id"] for n in ("support", "billing", "unheard")}
    assert listed(client, reader, customer_id=documents["customer"]) == everything
    assert client.get(f"/documents/{documents['billing_id']}", headers=reader).status_code == 200


def test_a_transferred_request_takes_its_documents_to_the_new_team(
    client: TestClient, documents: dict[str, Any]
) -> None:
    request_id = documents["support"]
    transfer = i.RequestTransferred(
        request_id=request_id, from_team="support", to_team="billing", reason="facturation", at=AT
    )
    delivered(client, transfer, request_id, 3)
    moved = documents["support_id"]
    assert client.get(f"/documents/{moved}", headers=SUPPORT_AGENT).status_code == 404
    assert client.get(f"/documents/{moved}", headers=BILLING_AGENT).status_code == 200
