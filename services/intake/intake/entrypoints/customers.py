"""HTTP routes of customers: registration with duplicate decision, reads, search, updates, merges."""

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from events.application.errors import NotFound
from events.service.access import ReadScope
from events.service.access_log import AccessLogDep
from events.service.deps import IfMatchDep, MetadataDep
from events.service.http import set_etag
from events.service.problems import Problem
from intake.adapters.views import IntakeViews, is_obsolete
from intake.app import commands as c
from intake.domain.customers import CustomerDraft
from intake.domain.errors import DuplicateSuspected
from intake.entrypoints import customer_schemas as s
from intake.entrypoints.access import AccessRoute, CustomerInReach, Permission, ScopeDep, allow
from intake.entrypoints.deps import IntakeDep, ViewsDep
from intake.entrypoints.request_views import timeline_entry

router = APIRouter(prefix="/customers", tags=["customers"], route_class=AccessRoute)
READ = [allow(Permission.READ_CUSTOMERS)]

_ADDRESS = ("street", "postal_code", "city", "country")


def customer_read(row: dict[str, Any], today: date) -> s.CustomerRead:
    address = s.AddressRead(**{name: row[name] for name in _ADDRESS})
    return s.CustomerRead(**row, address=address, obsolete=is_obsolete(row["contract_end"], today))


async def current_customer(intake: IntakeDep, response: Response, customer_id: UUID) -> s.CustomerRead:
    row = await intake.views.customer(customer_id)
    if row is None:
        raise NotFound("customer", customer_id)
    set_etag(response, row["version"])
    return customer_read(row, intake.clock.now().date())


def draft_of(body: s.CustomerCreate) -> CustomerDraft:
    address = body.address or s.AddressCreate()
    return CustomerDraft(
        profile=body.profile,
        first_name=body.first_name,
        last_name=body.last_name,
        company=body.company,
        email=body.email,
        phone=body.phone,
        street=address.street,
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
        contract_refs=tuple(body.contract_refs),
        contract_end=body.contract_end,
        language=body.language,
        preferred_channel=body.preferred_channel,
    )


async def duplicate_problem(
    views: IntakeViews, error: DuplicateSuspected, today: date, scope: ReadScope
) -> Problem:
    """The suspected duplicates; the records of those outside the caller's reach are left out
    (their id and score remain, to decide with)."""
    candidates = []
    for candidate in error.candidates:
        row = await views.customer(UUID(candidate.customer_id), scope)
        candidates.append(
            {
                "customer_id": candidate.customer_id,
                "score": candidate.score,
                "reasons": [reason.value for reason in candidate.reasons],
                "customer": customer_read(row, today).model_dump(mode="json") if row else None,
            }
        )
    return Problem(
        409,
        "duplicate-suspected",
        "This customer may already exist",
        error.message,
        candidates=candidates,
        decision_required='send again with duplicate_decision {"action": "merge_into", "customer_id": '
        '...} or {"action": "create_anyway", "reason": "..."}',
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=s.CustomerRead,
    summary="Register a customer (409 with the suspected duplicates until a decision is sent)",
    dependencies=[allow(Permission.REGISTER_CUSTOMERS)],
)
async def register_customer(
    body: s.CustomerCreate, metadata: MetadataDep, intake: IntakeDep, scope: ScopeDep, response: Response
) -> s.CustomerRead:
    decision = body.duplicate_decision
    command = c.RegisterCustomer(
        metadata=metadata,
        details=draft_of(body),
        prospection_consent=body.prospection_consent,
        create_anyway_reason=decision.reason if isinstance(decision, s.CreateAnyway) else None,
        merge_into=decision.customer_id if isinstance(decision, s.MergeIntoExisting) else None,
    )
    try:
        customer = await intake.bus.handle(command)
    except DuplicateSuspected as error:
        raise await duplicate_problem(intake.views, error, intake.clock.now().date(), scope) from error
    response.headers["Location"] = f"/customers/{customer.id}"
    return await current_customer(intake, response, customer.id)


@router.get(
    "/{customer_id}",
    response_model=s.CustomerRead,
    summary="One customer (ETag = version)",
    dependencies=READ,
)
async def get_customer(
    customer: CustomerInReach, intake: IntakeDep, response: Response, access_log: AccessLogDep
) -> s.CustomerRead:
    customer_id = customer["customer_id"]
    await access_log.read("customer", customer_id=customer_id, resource=f"customer/{customer_id}")
    set_etag(response, customer["version"])
    return customer_read(customer, intake.clock.now().date())


@router.get("", response_model=s.CustomerPage, summary="Search customers", dependencies=READ)
async def search_customers(
    intake: IntakeDep,
    scope: ScopeDep,
    q: Annotated[str | None, Query(max_length=200, description="Words of the name or company")] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    phone: Annotated[str | None, Query(max_length=40, description="E.164, e.g. +33612345678")] = None,
    include_merged: bool = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> s.CustomerPage:
    rows, next_cursor = await intake.views.customers(q, email, phone, include_merged, cursor, limit, scope)
    today = intake.clock.now().date()
    return s.CustomerPage(items=[customer_read(row, today) for row in rows], next_cursor=next_cursor)


@router.patch(
    "/{customer_id}",
    response_model=s.CustomerRead,
    summary="Change some fields",
    dependencies=[allow(Permission.UPDATE_CUSTOMERS)],
)
async def update_customer(
    customer_id: UUID,
    _: CustomerInReach,
    body: s.CustomerUpdate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.CustomerRead:
    changes: dict[str, object] = {
        name: getattr(body, name) for name in body.model_fields_set if name != "address"
    }
    if "contract_refs" in changes:
        changes["contract_refs"] = tuple(body.contract_refs or ())
    if body.address is not None:
        changes |= {name: getattr(body.address, name) for name in body.address.model_fields_set}
    for required in ("profile", "language", "country", "prospection_consent"):
        if required in changes and changes[required] is None:
            raise Problem(
                422,
                "validation-error",
                "The request is not valid",
                f"invalid fields: {required}",
                errors=[{"field": required, "message": f"{required} cannot be cleared"}],
            )
    await intake.bus.handle(
        c.UpdateCustomer(
            customer_id=customer_id, expected_version=version, metadata=metadata, changes=changes
        )
    )
    return await current_customer(intake, response, customer_id)


@router.post(
    "/{customer_id}/merge",
    response_model=s.CustomerRead,
    summary="Merge this customer into another one (this record becomes a redirect)",
    dependencies=[allow(Permission.MERGE_CUSTOMERS)],
)
async def merge_customer(
    customer_id: UUID,
    _: CustomerInReach,
    body: s.MergeCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.CustomerRead:
    await intake.bus.handle(
        c.MergeCustomers(
            merged_id=customer_id,
            survivor_id=body.survivor_id,
            reason=body.reason,
            expected_version=version,
            metadata=metadata,
        )
    )
    return await current_customer(intake, response, customer_id)


@router.get(
    "/{customer_id}/history",
    response_model=s.CustomerHistory,
    summary="Every event of the customer record, oldest first",
    dependencies=READ,
)
async def customer_history(
    customer_id: UUID, _: CustomerInReach, views: ViewsDep, access_log: AccessLogDep
) -> s.CustomerHistory:
    await access_log.read("customer_history", customer_id=customer_id, resource=f"customer/{customer_id}")
    envelopes = await views.stream(customer_id, "customer")
    if envelopes is None:
        raise NotFound("customer", customer_id)
    entries = [s.HistoryEntry(**timeline_entry(e).model_dump()) for e in envelopes]
    # The links come from the read model: it also knows merges recorded before the survivor's
    # stream recorded them (`CustomerAbsorbed`).
    row = await views.customer(customer_id) or {"merged_into": None, "merged_ids": []}
    return s.CustomerHistory(
        customer_id=customer_id,
        entries=entries,
        merged_into=_linked(row["merged_into"]) if row["merged_into"] else None,
        merged=[_linked(merged_id) for merged_id in row["merged_ids"]],
    )


def _linked(customer_id: UUID) -> s.LinkedRecord:
    return s.LinkedRecord(customer_id=customer_id, history=f"/customers/{customer_id}/history")
