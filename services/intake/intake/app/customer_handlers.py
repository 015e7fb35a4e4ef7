"""Handlers of the customer commands: entry checks, duplicate decision, updates, merges."""

from dataclasses import replace
from uuid import UUID

from events.application.errors import NotFound, StaleVersion, UnknownReference
from events.ids import new_id
from intake.app import commands as c
from intake.app.ports import Clock, UnitOfWork
from intake.app.rules import IntakeRules
from intake.domain.customer import Customer
from intake.domain.customers import check_customer
from intake.domain.duplicates import find_duplicates
from intake.domain.errors import DuplicateSuspected


async def register_customer(
    cmd: c.RegisterCustomer, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> Customer:
    """Without a decision, suspected duplicates refuse the creation (`DuplicateSuspected`, which
    lists them); with one, the record is created anyway (reason kept) or created and merged."""
    async with uow:
        draft = check_customer(cmd.details, clock.now().date()).raise_if_blocking()
        customer = Customer.register(new_id(), draft, cmd.prospection_consent, cmd.create_anyway_reason)
        if cmd.merge_into is None and cmd.create_anyway_reason is None:
            identity = customer.identity()
            found = find_duplicates(identity, await uow.customers.candidates(identity), rules.duplicates)
            if found:
                raise DuplicateSuspected(found)
        uow.customers.add(customer)
        if cmd.merge_into is not None:
            survivor = await _survivor(uow, cmd.merge_into, "duplicate_decision.customer_id")
            customer.merge_into(survivor, f"duplicate of {survivor.id}, merged at creation")
        await uow.commit(cmd.metadata)
    return customer


async def update_customer(
    cmd: c.UpdateCustomer, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> Customer:
    async with uow:
        customer = await _current(uow, cmd.customer_id, cmd.expected_version)
        changes = dict(cmd.changes)
        consent = bool(changes.pop("prospection_consent", customer.prospection_consent))
        draft = check_customer(replace(customer.draft, **changes), clock.now().date())  # type: ignore[arg-type]
        customer.update(draft.raise_if_blocking(), consent)
        await uow.commit(cmd.metadata)
    return customer


async def merge_customers(
    cmd: c.MergeCustomers, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> Customer:
    """`merged_id` becomes a redirect to `survivor_id`, whose stream records the merge too; both
    histories stay readable. If-Match guards the merged record (the one the client acts on); the
    survivor is read as it is now."""
    async with uow:
        merged = await _current(uow, cmd.merged_id, cmd.expected_version)
        survivor = await _survivor(uow, cmd.survivor_id, "survivor_id")
        merged.merge_into(survivor, cmd.reason)
        await uow.commit(cmd.metadata)
    return merged


async def _current(uow: UnitOfWork, customer_id: UUID, expected_version: int) -> Customer:
    customer = await uow.customers.get(customer_id)
    if customer.version != expected_version:
        raise StaleVersion(customer.version, expected_version)
    return customer


async def _survivor(uow: UnitOfWork, customer_id: UUID, field: str) -> Customer:
    try:
        survivor = await uow.customers.get(customer_id)
    except NotFound:
        raise UnknownReference(field, f"no customer {customer_id}") from None
    if survivor.merged_into is not None:
        raise UnknownReference(field, f"customer {customer_id} was merged into {survivor.merged_into}")
    return survivor
