"""Erasing a data subject in intake: events read as erased, read models blanked, the record
still folds and takes commands; nothing of it stays in clear in the events table."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text

from events.integrity import verify_chain
from events.pii.erasure import Erasure, destroy_keys
from events.service.runtime import ServiceRuntime
from intake.adapters.projection import PROJECTORS


def erase(client, subject: str) -> Erasure:
    runtime: ServiceRuntime = client.app.state.runtime

    async def run() -> Erasure:
        return await destroy_keys(
            runtime.keyring,
            subject,
            event_engines=[runtime.engine],
            read_models=[(runtime.engine, PROJECTORS.erasure_hooks)],
        )

    return client.portal.call(run)


def stored_text(client) -> str:
    runtime: ServiceRuntime = client.app.state.runtime

    async def run() -> str:
        async with runtime.engine.connect() as connection:
            rows = await connection.execute(text("SELECT data, pii FROM events"))
            return " ".join(f"{data} {pii}" for data, pii in rows)

    return client.portal.call(run)


def stream(client, stream_id: str):
    runtime: ServiceRuntime = client.app.state.runtime
    return client.portal.call(runtime.store.read_stream, UUID(stream_id))


def test_personal_data_of_intake_is_stored_sealed(desk, client):
    customer = desk.new_customer()
    desk.new_request(customer_id=customer["customer_id"])
    stored = stored_text(client)
    for clear in ("Éloïse", "Dupont", "eloise.dupont@exemple.fr", "06 12 34 56 78", "Facture erronée"):
        assert clear not in stored and clear.encode("unicode_escape").decode() not in stored
    assert desk.get(f"/customers/{customer['customer_id']}").json()["email"] == "eloise.dupont@exemple.fr"


def test_an_erased_customer_reads_as_erased_everywhere_and_still_takes_commands(desk, client):
    customer = desk.new_customer(company="Acme")
    customer_id = customer["customer_id"]
    request = desk.new_request(customer_id=customer_id)
    before = stream(client, customer_id)

    erasure = erase(client, customer_id)
    assert erasure.key_ids and erasure.events_affected == 2

    read = desk.get(f"/customers/{customer_id}").json()
    assert (read["first_name"], read["last_name"], read["email"], read["phone"]) == (None, None, None, None)
    assert read["company"] == "Acme"
    history = desk.get(f"/customers/{customer_id}/history").json()["entries"]
    assert len(history) == len(before) == 1
    assert history[0]["data"]["email"] is None and history[0]["data"]["profile"] == "b2c"
    after = stream(client, customer_id)
    assert [e.hash for e in after] == [e.hash for e in before] and after[0].erased_fields
    verify_chain(after)

    detail = desk.get(f"/requests/{request['request_id']}").json()
    assert (detail["contact"], detail["subject"], detail["description"]) == (None, None, None)
    timeline = desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"]
    assert timeline[0]["data"]["subject"] is None and timeline[0]["data"]["channel"] == "email"
    assert desk.get("/customers", q="Dupont").json()["items"] == []
    assert [c["customer_id"] for c in desk.get("/customers", q="Acme").json()["items"]] == [customer_id]

    again = desk.new_customer()  # the same person registering again is no duplicate of the erased record
    assert again["customer_id"] != customer_id
    acknowledged = desk.command(desk.get(f"/requests/{request['request_id']}").json(), "acknowledge")
    assert acknowledged.status_code == 200, acknowledged.text
    assert erase(client, customer_id).key_ids == ()


def test_an_erased_field_that_the_model_requires_reads_as_the_erased_marker(desk, client):
    request = desk.new_request()
    anonymous = request["request_id"]  # a sender who is not a customer: the stream is the subject
    erase(client, anonymous)
    [received] = stream(client, anonymous)
    assert received.decode().subject is None and received.erased_fields == (
        "contact",
        "description",
        "subject",
    )
