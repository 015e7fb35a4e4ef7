"""The customer aggregate: only real changes are recorded, and they fold back to the same record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from events.catalogue import intake as ev
from events.vocabulary import Channel
from intake.domain.customer import Customer
from intake.domain.customers import CustomerDraft
from intake.domain.errors import CustomerAlreadyMerged
from intake.domain.vocabulary import CustomerProfile, Language

DRAFT = CustomerDraft(
    CustomerProfile.B2B, last_name="Martin", company="Acme", email="j@acme.fr", contract_refs=("CT-1",)
)


def test_an_update_records_only_the_changed_fields_and_folds_back():
    customer = Customer.register(uuid4(), DRAFT, prospection_consent=False)
    new = replace(
        DRAFT,
        contract_refs=("CT-1", "CT-2"),
        contract_end=date(2027, 1, 31),
        language=Language.EN,
        preferred_channel=Channel.LETTER,
    )
    changes = customer.update(new, prospection_consent=True)
    assert changes == {
        "contract_refs": ["CT-1", "CT-2"],
        "contract_end": "2027-01-31",
        "language": "en",
        "preferred_channel": "letter",
        "prospection_consent": True,
    }
    replayed = Customer(customer.id)
    for event in customer.pending:
        replayed._apply(event)
    assert replayed.draft == new and replayed.prospection_consent is True
    assert customer.update(new, prospection_consent=True) == {}


def test_a_merged_customer_is_never_changed_again():
    customer = Customer.register(uuid4(), DRAFT, prospection_consent=False)
    survivor = Customer.register(uuid4(), DRAFT, prospection_consent=False)
    customer.merge_into(survivor, "même société")
    assert customer.merged_into == survivor.id
    with pytest.raises(CustomerAlreadyMerged):
        customer.update(replace(DRAFT, company="Acme Corp"), prospection_consent=False)
    with pytest.raises(CustomerAlreadyMerged):
        customer.merge_into(Customer.register(uuid4(), DRAFT, prospection_consent=False), "encore")
    with pytest.raises(CustomerAlreadyMerged):  # nor can it absorb anyone
        Customer.register(uuid4(), DRAFT, prospection_consent=False).merge_into(customer, "non")


def test_a_merge_is_recorded_on_both_records_and_folds_back():
    merged = Customer.register(uuid4(), DRAFT, prospection_consent=False)
    survivor = Customer.register(uuid4(), DRAFT, prospection_consent=False)
    survivor.pending.clear()
    merged.merge_into(survivor, "  même société ")
    [twin] = survivor.pending
    assert isinstance(twin, ev.CustomerAbsorbed)
    assert (twin.survivor_id, twin.merged_id, twin.reason) == (survivor.id, merged.id, "même société")
    assert isinstance(merged.pending[-1], ev.CustomersMerged)
    assert survivor.absorbed == (merged.id,) and survivor.merged_into is None
    replayed = Customer(survivor.id)
    replayed._apply(twin)
    assert replayed.absorbed == (merged.id,)
    survivor.update(replace(DRAFT, company="Acme Corp"), prospection_consent=False)  # not frozen
    with pytest.raises(CustomerAlreadyMerged):
        survivor.merge_into(survivor, "soi-même")
