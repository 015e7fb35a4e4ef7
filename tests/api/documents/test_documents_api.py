"""Documents through the API: mandatory fields, money, numbering, and the validation gate."""

from __future__ import annotations

from uuid import uuid4

import httpx
from documents_desk import AGENT, MANAGER, NOW, Desk, quote_body, quote_content
from fastapi.testclient import TestClient

from events.catalogue import approvals as a


def fields_of(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_a_quote_without_validity_period_is_refused_naming_the_field(client: TestClient) -> None:
    content = quote_content()
    del content["validity_days"]
    response = client.post("/documents", json=quote_body(content=content), headers=AGENT)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fields_of(response) == {"content.validity_days"}
    assert "content.validity_days" in response.json()["detail"]


def test_every_missing_field_is_named_at_once(client: TestClient) -> None:
    response = client.post("/documents", json=quote_body(content={"customer": {"name": "X"}}), headers=AGENT)
    assert response.status_code == 422
    assert fields_of(response) == {
        "content.customer.address",
        "content.lines",
        "content.validity_days",
        "content.payment_terms",
        "content.delivery_delay",
        "content.customer.siret",
        "content.customer.vat_number",
    }


def test_bad_lines_and_identifiers_are_each_a_422_naming_the_field(client: TestClient) -> None:
    content = quote_content(
        lines=[{"description": "x", "quantity": "-1", "unit_price": "10", "vat_rate": "19"}],
        customer={"name": "X", "address": "Y", "siret": "73282932000075", "vat_number": "FR00123"},
    )
    response = client.post("/documents", json=quote_body(content=content), headers=AGENT)
    assert response.status_code == 422
    assert fields_of(response) == {
        "content.lines[0].quantity",
        "content.lines[0].vat_rate",
        "content.customer.siret",
        "content.customer.vat_number",
    }


def test_an_email_recipient_that_does_not_parse_is_refused(client: TestClient) -> None:
    response = client.post("/documents", json=quote_body(recipients=["not an address"]), headers=AGENT)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("recipients")


def test_an_attachment_over_the_size_limit_is_refused_and_nothing_is_stored(client: TestClient) -> None:
    import base64

    big = base64.b64encode(b"x" * (512 * 1024 + 1)).decode()
    body = quote_body(attachments=[{"name": "plan.pdf", "media_type": "application/pdf", "content": big}])
    response = client.post("/documents", json=body, headers=AGENT)
    assert response.status_code == 422
    assert fields_of(response) == {"attachments[0].content"}
    listed = client.get("/documents", params={"customer_id": body["customer_id"]}, headers=AGENT)
    assert listed.json()["items"] == []


def test_three_times_19_99_at_20_percent_is_59_97_11_99_71_96_in_french(
    desk: Desk, client: TestClient
) -> None:
    document = desk.draft()
    html = client.get(f"/documents/{document['document_id']}.html", headers=AGENT).text
    assert "59,97\u00a0€" in html and "11,99\u00a0€" in html and "71,96\u00a0€" in html
    assert "EN 16931" in html and "40,00\u00a0€" in html


def test_a_draft_has_no_number_and_issuing_gives_the_next_of_the_series(desk: Desk) -> None:
    first, second = desk.draft(), desk.draft()
    assert first["number"] is None and first["status"] == "draft"
    assert desk.act(second, "issue").json()["number"] == "DEV-2026-000001"
    assert desk.act(first, "issue").json()["number"] == "DEV-2026-000002"
    again = desk.act(first, "issue")
    assert again.status_code == 409


def test_pdf_is_a_pdf_a_document(desk: Desk, client: TestClient) -> None:
    document = desk.draft()
    desk.act(document, "issue")
    response = client.get(f"/documents/{document['document_id']}.pdf", headers=AGENT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and b"pdfaid:part" in response.content


def test_transmitting_an_unvalidated_document_is_refused_naming_the_missing_validation(desk: Desk) -> None:
    document = desk.submitted()
    response = desk.act(document, "transmit")
    assert response.status_code == 409
    problem = response.json()
    assert problem["missing"] == "validation"
    assert problem["content_hash"] == document["content_hash"]
    assert response.headers["content-type"] == "application/problem+json"


def test_a_validated_document_is_transmitted_then_marked_posted(desk: Desk, client: TestClient) -> None:
    document = desk.submitted(channel="letter", recipients=["Ateliers Durand, 12 rue des Forges, Lyon"])
    desk.validate(document)
    transmitted = desk.act(document, "transmit")
    assert transmitted.status_code == 200, transmitted.text
    assert transmitted.json()["status"] == "transmitted"
    assert desk.act(document, "posted").json()["status"] == "sent"
    assert desk.act(document, "transmit").status_code == 409


def test_an_edit_after_validation_needs_a_new_validation(desk: Desk, client: TestClient) -> None:
    document = desk.submitted()
    desk.validate(document)
    body = {
        "channel": "email",
        "recipients": ["achats@durand.example"],
        "content": quote_content(validity_days=60),
    }
    edited = client.put(f"/documents/{document['document_id']}", json=body, headers=AGENT)
    assert edited.status_code == 200, edited.text
    refused = desk.act(document, "transmit")
    assert refused.status_code == 409 and refused.json()["missing"] == "validation"
    resubmitted = desk.act(document, "submit").json()
    assert resubmitted["content_hash"] != document["content_hash"]
    assert desk.act(document, "transmit").status_code == 409
    desk.validate(resubmitted)
    assert desk.act(document, "transmit").status_code == 200


def test_a_withdrawn_validation_no_longer_lets_the_document_out(desk: Desk) -> None:
    document = desk.submitted()
    approval = desk.validate(document)
    desk.decide(
        a.ApprovalWithdrawn(
            approval_id=approval,
            request_id=document["request_id"],
            content_hash=document["content_hash"],
            withdrawn_by="maud",
            withdrawn_at=NOW,
        )
    )
    assert desk.act(document, "transmit").status_code == 409


def test_an_accepted_quote_is_a_contract_changed_by_amendment_only(desk: Desk, client: TestClient) -> None:
    document = desk.submitted()
    desk.validate(document)
    desk.act(document, "transmit")
    assert desk.act(document, "accept").json()["accepted"] is True
    body = {"channel": "email", "recipients": ["achats@durand.example"], "content": quote_content()}
    assert client.put(f"/documents/{document['document_id']}", json=body, headers=AGENT).status_code == 409
    amendment = desk.draft(
        kind="amendment", content=quote_content(amends=document["number"], changes="Délai porté à 3 semaines")
    )
    assert amendment["kind"] == "amendment"


def test_documents_are_listed_by_request_and_by_customer(desk: Desk, client: TestClient) -> None:
    document = desk.draft()
    by_request = client.get("/documents", params={"request_id": document["request_id"]}, headers=AGENT).json()
    by_customer = client.get(
        "/documents", params={"customer_id": document["customer_id"]}, headers=AGENT
    ).json()
    assert [d["document_id"] for d in by_request["items"]] == [document["document_id"]]
    assert [d["document_id"] for d in by_customer["items"]] == [document["document_id"]]
    assert client.get("/documents", headers=AGENT).status_code == 422


def test_templates_are_versioned_and_refused_when_saved_if_they_do_not_render(
    client: TestClient, desk: Desk
) -> None:
    path = "/templates/quote/fr/b2b"
    unknown = client.put(path, json={"source": "<p>{{ montant_total }}</p>"}, headers=MANAGER)
    assert unknown.status_code == 422 and unknown.json()["reason"] == "unknown_variable"
    injected = client.put(path, json={"source": "<p>{{ customer_name|safe }}</p>"}, headers=MANAGER)
    assert injected.status_code == 422 and injected.json()["reason"] == "markup_injection"
    script = client.put(path, json={"source": "<script>x()</script>"}, headers=MANAGER)
    assert script.status_code == 422 and script.json()["reason"] == "markup_injection"
    assert client.put(path, json={"source": "<p>Bonjour</p>"}, headers=AGENT).status_code == 403
    saved = client.put(path, json={"source": "<p>{{ salutation }} Offre {{ number }}.</p>"}, headers=MANAGER)
    assert saved.status_code == 200 and [v["version"] for v in saved.json()["versions"]] == [1]
    document = desk.draft()
    assert document["template_version"] == 1
    html = client.get(f"/documents/{document['document_id']}.html", headers=AGENT).text
    assert "Madame, Monsieur, Offre ." in html


def test_unknown_document_is_a_404(client: TestClient) -> None:
    assert client.get(f"/documents/{uuid4()}", headers=AGENT).status_code == 404
    assert client.get(f"/documents/{uuid4()}.pdf", headers=AGENT).status_code == 404
