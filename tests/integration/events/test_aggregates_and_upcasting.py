"""Aggregates rebuilt from streams (with snapshots), and a stored v1 event read by v2 code."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from events.aggregate import Aggregate, load, save
from events.catalogue import REGISTRY, DomainEvent
from events.store import SqlEventStore, StreamNotFound
from events.tables import snapshots


class Deposited(DomainEvent, type="test.Deposited"):
    cents: int


class Account(Aggregate):
    stream_type = "account"
    snapshot_every = 100

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.balance = 0
        self.deposits = 0

    def deposit(self, cents: int) -> None:
        self.record(Deposited(cents=cents))

    def when_Deposited(self, event: Deposited) -> None:
        self.balance += event.cents
        self.deposits += 1

    def snapshot_state(self) -> dict[str, Any]:
        return {"balance": self.balance, "deposits": self.deposits}

    @classmethod
    def from_snapshot(cls, stream_id: UUID, state: dict[str, Any]) -> Account:
        account = cls(stream_id)
        account.balance, account.deposits = state["balance"], state["deposits"]
        return account


async def test_an_aggregate_is_rebuilt_from_its_snapshot_and_later_events(store: SqlEventStore):
    account_id = uuid4()
    for batch in range(5):
        async with store.transaction() as tx:
            account = Account(account_id) if batch == 0 else await load(tx, Account, account_id)
            for _ in range(50):
                account.deposit(2)
            await save(tx, account)
    async with store.engine.connect() as connection:
        snapshot = (await connection.execute(select(snapshots))).one()
    assert snapshot.version == 200 and snapshot.state == {"balance": 400, "deposits": 200}
    async with store.transaction() as tx:
        loaded = await load(tx, Account, account_id)
    assert (loaded.version, loaded.balance, loaded.deposits) == (250, 500, 250)
    folded = Account.rebuild(account_id, await store.read_stream(account_id))
    assert (folded.version, folded.balance) == (loaded.version, loaded.balance)


async def test_loading_a_stream_that_does_not_exist_raises(store: SqlEventStore):
    async with store.transaction() as tx:
        with pytest.raises(StreamNotFound):
            await load(tx, Account, uuid4())


class AddressChangedV1(DomainEvent, type="test.AddressChanged", version=1):
    full_address: str


class AddressChangedV2(DomainEvent):
    street: str
    city: str


async def test_a_stored_v1_event_is_read_as_v2_after_the_code_moved_on(store: SqlEventStore, monkeypatch):
    stream = uuid4()
    await store.append(stream, "customer", 0, [AddressChangedV1(full_address="3 rue Haute, Lyon")])

    # The code moves on: v2 replaces v1 under the same type, with an upcaster.
    AddressChangedV2.event_type, AddressChangedV2.schema_version = "test.AddressChanged", 2
    monkeypatch.setitem(REGISTRY._models, "test.AddressChanged", AddressChangedV2)

    def split_address(data: dict[str, Any]) -> dict[str, Any]:
        street, city = (part.strip() for part in data["full_address"].split(","))
        return {"street": street, "city": city}

    monkeypatch.setitem(REGISTRY._upcasters, ("test.AddressChanged", 1), split_address)
    [stored] = await store.read_stream(stream)
    assert stored.schema_version == 1, "stored bytes are never rewritten"
    assert stored.decode() == AddressChangedV2(street="3 rue Haute", city="Lyon")
