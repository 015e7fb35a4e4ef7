"""Write races over HTTP: If-Match that held at read time but lost at write time is a 412.

The embedded SQLite store has a single writer, so two commands never really interleave there.
The race is simulated deterministically: just before the command's events are appended, a
"concurrent writer" appends one event to a chosen stream in the same transaction, exactly as
if it had committed between the command's read and its write (the command's append then finds
the stream moved on, as PostgreSQL's unique index would report). Everything rolls back with
the failed command. The real race on PostgreSQL is in tests/integration/intake.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from events.aggregate_base import Aggregate
from events.catalogue import DomainEvent
from events.catalogue import intake as ev
from events.envelope import Metadata
from intake.adapters.unit_of_work import SqlUnitOfWork
from intake.domain.customer import Customer


class ConcurrentWriter:
    """Wraps `SqlUnitOfWork.commit`: the next `times` commits find `pick`'s stream written first."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.times, self.raced = 0, 0
        self.pick: Callable[[Aggregate, bool], bool] = lambda aggregate, created: False
        original = SqlUnitOfWork.commit
        writer = self

        async def commit(uow: SqlUnitOfWork, metadata: Metadata) -> None:
            for aggregate, created in uow.tracked.seen:
                if writer.times and aggregate.pending and writer.pick(aggregate, created):
                    writer.times -= 1
                    writer.raced += 1
                    await uow.tx.append(
                        aggregate.id,
                        aggregate.stream_type,
                        aggregate.version,
                        [interloper(aggregate)],
                        metadata,
                    )
            await original(uow, metadata)

        monkeypatch.setattr(SqlUnitOfWork, "commit", commit)

    def race(self, pick: Callable[[Aggregate, bool], bool], times: int = 1) -> None:
        self.pick, self.times, self.raced = pick, times, 0


def interloper(aggregate: Aggregate) -> DomainEvent:
    """Any valid event of the stream: what the other writer recorded."""
    if isinstance(aggregate, Customer):
        return ev.CustomerUpdated(customer_id=aggregate.id, changes={"city": "Lyon"})
    return ev.WorkStarted(request_id=aggregate.id, at=aggregate.received_at)  # type: ignore[attr-defined]


@pytest.fixture
def writer(monkeypatch) -> ConcurrentWriter:
    return ConcurrentWriter(monkeypatch)


def the(stream_id: str) -> Callable[[Aggregate, bool], bool]:
    return lambda aggregate, created: str(aggregate.id) == stream_id


def new_stream(aggregate: Aggregate, created: bool) -> bool:
    return created


def test_a_command_whose_if_match_loses_the_write_race_is_412_like_a_stale_one(desk, writer):
    request = desk.new_request()
    writer.race(the(request["request_id"]))
    lost = desk.command(request, "acknowledge")
    assert writer.raced == 1
    assert lost.status_code == 412, lost.text
    assert lost.headers["content-type"] == "application/problem+json"
    body = lost.json()
    stale = desk.command({**request, "version": request["version"] - 1}, "acknowledge").json()
    assert body["type"] == stale["type"] and body["type"].endswith("/precondition-failed")
    assert body["title"] == stale["title"]
    assert body["current_version"] == request["version"] + 1  # what the other writer left
    assert "read it again" in body["detail"]
    # Not retried behind the client's back: nothing of the command was recorded.
    assert desk.get(f"/requests/{request['request_id']}").json()["version"] == request["version"]
    assert desk.command(request, "acknowledge").status_code == 200  # no race this time


def test_a_customer_update_that_loses_the_write_race_is_412(desk, client, writer):
    customer = desk.new_customer()
    writer.race(the(customer["customer_id"]))
    lost = client.patch(
        f"/customers/{customer['customer_id']}",
        headers=desk.auth | {"If-Match": '"1"'},
        json={"address": {"city": "Nice"}},
    )
    assert writer.raced == 1
    assert lost.status_code == 412 and lost.json()["type"].endswith("/precondition-failed")


def test_a_creation_without_if_match_is_retried_then_409(desk, writer):
    writer.race(new_stream)  # the first attempt loses: retried, it succeeds
    customer = desk.new_customer()
    assert writer.raced == 1 and customer["version"] == 1
    writer.race(new_stream, times=2)  # both attempts lose: a 409, no If-Match was involved
    lost = desk.post(
        "/requests", {"channel": "email", "contact": "a@exemple.fr", "subject": "S", "description": "D"}
    )
    assert writer.raced == 2
    assert lost.status_code == 409 and lost.json()["type"].endswith("/concurrency-conflict")


def test_a_merge_racing_on_the_survivor_is_retried_as_its_if_match_still_holds(desk, client, writer):
    survivor = desk.new_customer()
    merged = desk.new_customer(first_name="Paul", last_name="Durand", email="p.durand@exemple.fr", phone=None)
    writer.race(the(survivor["customer_id"]))
    response = client.post(
        f"/customers/{merged['customer_id']}/merge",
        headers=desk.auth | {"If-Match": '"1"'},
        json={"survivor_id": survivor["customer_id"], "reason": "même personne"},
    )
    assert writer.raced == 1
    assert response.status_code == 200, response.text
    assert response.json()["merged_into"] == survivor["customer_id"]
    assert desk.get(f"/customers/{survivor['customer_id']}").json()["version"] == 2
    # On the merged record itself, the one If-Match names, the lost race is a 412.
    other = desk.new_customer(first_name="Anne", last_name="Roy", email="a.roy@exemple.fr", phone=None)
    writer.race(the(other["customer_id"]))
    lost = client.post(
        f"/customers/{other['customer_id']}/merge",
        headers=desk.auth | {"If-Match": '"1"'},
        json={"survivor_id": survivor["customer_id"], "reason": "même personne"},
    )
    assert lost.status_code == 412 and lost.json()["type"].endswith("/precondition-failed")
