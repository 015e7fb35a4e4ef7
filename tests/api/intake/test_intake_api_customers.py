"""Customers over HTTP: entry checks, duplicate decision, updates, merges, history."""

from __future__ import annotations

from uuid import uuid4


def fields_of(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_a_customer_is_registered_with_its_phone_in_e164(desk):
    customer = desk.new_customer(
        address={"street": "1 rue de la Paix", "postal_code": "75002", "city": "Paris"},
        contract_refs=["CT-1"],
        preferred_channel="email",
        prospection_consent=True,
    )
    assert customer["phone"] == "+33612345678"
    assert customer["address"] == {
        "street": "1 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
    }
    assert customer["prospection_consent"] is True and customer["version"] == 1
    read = desk.get(f"/customers/{customer['customer_id']}")
    assert read.json() == customer and read.headers["ETag"] == '"1"'


def test_entry_checks_name_every_bad_field(desk):
    response = desk.post(
        "/customers",
        {
            "profile": "public_service",
            "first_name": "Jean",
            "email": "pas-un-email",
            "phone": "12345",
            "address": {"postal_code": "2A000"},
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fields_of(response) == {"last_name", "email", "phone", "postal_code", "city"}
    assert desk.get("/customers").json()["items"] == []


def test_a_likely_duplicate_needs_an_explicit_decision(desk):
    existing = desk.new_customer()
    variant = {"profile": "b2c", "first_name": "Dupont", "last_name": "Eloise", "phone": "+33 6 12 34 56 78"}
    response = desk.post("/customers", variant)
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/duplicate-suspected")
    [candidate] = body["candidates"]
    assert candidate["customer_id"] == existing["customer_id"]
    assert set(candidate["reasons"]) == {"swapped_names", "same_phone"}
    assert candidate["customer"]["last_name"] == "Dupont"
    assert len(desk.get("/customers").json()["items"]) == 1


def test_create_anyway_keeps_the_reason(desk):
    desk.new_customer()
    created = desk.new_customer(
        email="eloise.dupont@exemple.fr",
        phone=None,
        duplicate_decision={"action": "create_anyway", "reason": "homonyme: autre date de naissance"},
    )
    assert created["duplicate_override_reason"] == "homonyme: autre date de naissance"
    assert len(desk.get("/customers").json()["items"]) == 2


def test_merge_into_existing_at_creation_keeps_both_records_reachable(desk):
    existing = desk.new_customer()
    merged = desk.new_customer(
        first_name="Eloise",
        duplicate_decision={"action": "merge_into", "customer_id": existing["customer_id"]},
    )
    assert merged["merged_into"] == existing["customer_id"]
    survivor = desk.get(f"/customers/{existing['customer_id']}").json()
    assert survivor["merged_ids"] == [merged["customer_id"]]
    history = desk.get(f"/customers/{merged['customer_id']}/history").json()["entries"]
    assert [e["type"] for e in history] == ["intake.CustomerRegistered", "intake.CustomersMerged"]
    survivor_history = desk.get(f"/customers/{existing['customer_id']}/history").json()
    assert [e["type"] for e in survivor_history["entries"]] == [
        "intake.CustomerRegistered",
        "intake.CustomerAbsorbed",
    ]
    assert survivor_history["merged"] == [
        {"customer_id": merged["customer_id"], "history": f"/customers/{merged['customer_id']}/history"}
    ]
    assert [c["customer_id"] for c in desk.get("/customers").json()["items"]] == [existing["customer_id"]]


def test_merging_into_an_unknown_customer_is_422_naming_it(desk):
    response = desk.post(
        "/customers",
        {
            "profile": "b2c",
            "first_name": "A",
            "last_name": "B",
            "email": "a@b.fr",
            "duplicate_decision": {"action": "merge_into", "customer_id": str(uuid4())},
        },
    )
    assert response.status_code == 422
    assert fields_of(response) == {"duplicate_decision.customer_id"}


def test_merging_two_existing_records_is_an_event_and_the_merged_one_is_frozen(desk, client):
    survivor = desk.new_customer()
    other = desk.new_customer(
        first_name="Paul", last_name="Durand", email="p.durand@exemple.fr", phone="0142685300"
    )
    url = f"/customers/{other['customer_id']}"
    merged = client.post(
        f"{url}/merge",
        headers=desk.auth | {"If-Match": '"1"'},
        json={"survivor_id": survivor["customer_id"], "reason": "même personne"},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_into"] == survivor["customer_id"]
    frozen = client.patch(url, headers=desk.auth | {"If-Match": '"2"'}, json={"address": {"city": "Lyon"}})
    assert frozen.status_code == 409 and frozen.json()["type"].endswith("/customer-merged")
    # A request for the merged customer is recorded against the survivor.
    request = desk.new_request(customer_id=other["customer_id"])
    assert request["customer_id"] == survivor["customer_id"]


def test_an_update_records_only_what_changed_and_needs_if_match(desk, client):
    customer = desk.new_customer()
    url = f"/customers/{customer['customer_id']}"
    assert client.patch(url, headers=desk.auth, json={"phone": "0700000000"}).status_code == 428
    response = client.patch(
        url,
        headers=desk.auth | {"If-Match": '"1"'},
        json={
            "phone": "07 81 23 45 67",
            "email": "eloise.dupont@exemple.fr",
            "address": {"city": "Lyon"},
            "contract_end": "2030-12-31",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "+33781234567" and response.json()["address"]["city"] == "Lyon"
    last = desk.get(f"{url}/history").json()["entries"][-1]
    assert last["type"] == "intake.CustomerUpdated"
    assert last["data"]["changes"] == {"phone": "+33781234567", "city": "Lyon", "contract_end": "2030-12-31"}
    stale = client.patch(url, headers=desk.auth | {"If-Match": '"1"'}, json={"address": {"city": "Nice"}})
    assert stale.status_code == 412
    bad = client.patch(url, headers=desk.auth | {"If-Match": '"2"'}, json={"email": "nope"})
    assert bad.status_code == 422 and fields_of(bad) == {"email"}
    cleared = client.patch(url, headers=desk.auth | {"If-Match": '"2"'}, json={"profile": None})
    assert cleared.status_code == 422


def test_an_ended_contract_flags_the_record_obsolete_without_blocking_it(desk):
    customer = desk.new_customer(contract_end="2020-01-31")
    assert customer["obsolete"] is True


def test_customers_are_searched_by_name_email_or_phone(desk):
    eloise = desk.new_customer()
    paul = desk.new_customer(
        first_name="Paul", last_name="Durand", email="p.durand@exemple.fr", phone="0142685300"
    )

    def found(**params) -> list[str]:
        return [c["customer_id"] for c in desk.get("/customers", **params).json()["items"]]

    assert found(q="eloise") == [eloise["customer_id"]]
    assert found(q="DURAND paul") == [paul["customer_id"]]
    assert found(phone="+33142685300") == [paul["customer_id"]]
    assert found(email="eloise.dupont@exemple.fr") == [eloise["customer_id"]]
    page = desk.get("/customers", limit=1).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    assert len(desk.get("/customers", limit=1, cursor=page["next_cursor"]).json()["items"]) == 1


def test_an_unknown_customer_is_404(desk):
    assert desk.get(f"/customers/{uuid4()}").status_code == 404
    assert desk.get(f"/customers/{uuid4()}/history").status_code == 404


def merge(desk, client, merged: dict, survivor: dict, reason: str = "même personne") -> dict:
    response = client.post(
        f"/customers/{merged['customer_id']}/merge",
        headers=desk.auth | {"If-Match": f'"{merged["version"]}"'},
        json={"survivor_id": survivor["customer_id"], "reason": reason},
    )
    assert response.status_code == 200, response.text
    return response.json()


def other_customer(desk, first_name: str = "Paul", last_name: str = "Durand") -> dict:
    return desk.new_customer(
        first_name=first_name,
        last_name=last_name,
        email=f"{first_name}.{last_name}@exemple.fr".lower(),
        phone=None,
    )


def test_a_merge_shows_in_the_survivors_history_which_leads_to_the_absorbed_record(desk, client):
    survivor, absorbed = desk.new_customer(), other_customer(desk)
    merge(desk, client, absorbed, survivor, reason="même personne, deux fiches")
    read = desk.get(f"/customers/{survivor['customer_id']}")
    assert read.json()["version"] == 2 and read.headers["ETag"] == '"2"'  # the survivor changed too
    history = desk.get(f"/customers/{survivor['customer_id']}/history").json()
    last = history["entries"][-1]
    assert (last["type"], last["version"], last["actor"]) == ("intake.CustomerAbsorbed", 2, "alice")
    assert last["data"] == {
        "survivor_id": survivor["customer_id"],
        "merged_id": absorbed["customer_id"],
        "reason": "même personne, deux fiches",
    }
    assert history["merged_into"] is None
    [link] = history["merged"]
    assert link["customer_id"] == absorbed["customer_id"]
    absorbed_history = desk.get(link["history"]).json()  # the absorbed record's own history, intact
    assert absorbed_history["customer_id"] == absorbed["customer_id"]
    assert [e["type"] for e in absorbed_history["entries"]] == [
        "intake.CustomerRegistered",
        "intake.CustomersMerged",
    ]
    assert absorbed_history["entries"][-1]["data"] == last["data"]
    assert absorbed_history["merged_into"] == {
        "customer_id": survivor["customer_id"],
        "history": f"/customers/{survivor['customer_id']}/history",
    }
    assert absorbed_history["merged"] == []
    # The survivor is not frozen: it is updated with the ETag that counts the merge.
    updated = client.patch(
        f"/customers/{survivor['customer_id']}",
        headers=desk.auth | {"If-Match": '"2"'},
        json={"address": {"city": "Lyon"}},
    )
    assert updated.status_code == 200, updated.text


def test_requests_of_merged_records_are_listed_under_their_survivor(desk, client):
    first, second, third = desk.new_customer(), other_customer(desk), other_customer(desk, "Anne", "Roy")

    def requests_of(customer: dict) -> set[str]:
        page = desk.get("/requests", customer_id=customer["customer_id"]).json()
        return {r["request_id"] for r in page["items"]}

    of_second = desk.new_request(customer_id=second["customer_id"])["request_id"]
    of_third = desk.new_request(customer_id=third["customer_id"])["request_id"]
    of_first = desk.new_request(customer_id=first["customer_id"])["request_id"]
    merge(desk, client, second, first)
    assert requests_of(first) == {of_first, of_second}
    assert requests_of(second) == {of_second}  # the absorbed record's own list is unchanged
    later = desk.new_request(customer_id=second["customer_id"])  # recorded against the survivor
    assert later["customer_id"] == first["customer_id"]
    # Merges chain: the first record merged in turn into the third brings its absorbed record along.
    merge(desk, client, desk.get(f"/customers/{first['customer_id']}").json(), third)
    assert requests_of(third) == {of_third, of_first, of_second, later["request_id"]}
    assert requests_of(first) == {of_first, of_second, later["request_id"]}
    # A request naming a record absorbed twice over is recorded against the last survivor.
    assert desk.new_request(customer_id=second["customer_id"])["customer_id"] == third["customer_id"]
    everything = requests_of(third)
    page = desk.get("/requests", customer_id=third["customer_id"], limit=2).json()
    rest = desk.get("/requests", customer_id=third["customer_id"], limit=2, cursor=page["next_cursor"]).json()
    more = desk.get("/requests", customer_id=third["customer_id"], limit=2, cursor=rest["next_cursor"]).json()
    assert {r["request_id"] for r in page["items"] + rest["items"] + more["items"]} == everything
    assert len(everything) == 5 and more["next_cursor"] is None
