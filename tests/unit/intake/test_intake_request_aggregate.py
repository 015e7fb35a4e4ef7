"""The request aggregate: events recorded by each decision, and the rules it applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import uuid4

import pytest

from events.catalogue import DomainEvent
from events.catalogue import intake as ev
from events.vocabulary import Channel, Priority
from intake.domain.errors import (
    AssignmentRefused,
    CloseRefused,
    IllegalTransition,
    NotQualified,
    PriorityChangeRefused,
    RequestNotOpen,
    TransferLimitReached,
)
from intake.domain.missing_info import RequestDraft
from intake.domain.priority import CriterionChange
from intake.domain.request import ServiceRequest
from intake.domain.routing import TransferException
from intake.domain.vocabulary import (
    CustomerProfile,
    Impact,
    PriorityCriterion,
    RequestStatus,
    Urgency,
    Workaround,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = RequestDraft(
    contact="a@exemple.fr",
    channel=Channel.EMAIL,
    subject="Panne",
    description="Plus de service",
    received_at=NOW - timedelta(hours=2),
)


def received(draft: RequestDraft = DRAFT) -> ServiceRequest:
    request = ServiceRequest.receive(uuid4(), "DEM-2026-000001", draft, NOW)
    request.pending.clear()
    return request


def qualified(impact: Impact = Impact.MEDIUM) -> ServiceRequest:
    request = received()
    request.acknowledge(NOW)
    request.qualify("billing", CustomerProfile.B2C, impact, Urgency.LOW, Workaround.AVAILABLE, NOW)
    request.pending.clear()
    return request


E = TypeVar("E", bound=DomainEvent)


def types(request: ServiceRequest) -> list[str]:
    return [type(event).__name__ for event in request.pending]


def recorded(request: ServiceRequest, kind: type[E], index: int = -1) -> E:
    """The pending event at ``index``, which must be a ``kind``."""
    event = request.pending[index]
    assert isinstance(event, kind), f"{type(event).__name__} recorded, {kind.__name__} expected"
    return event


def test_reception_with_missing_information_is_flagged_and_counts_from_recording():
    request = ServiceRequest.receive(uuid4(), "DEM-1", RequestDraft(channel=Channel.VOICEMAIL), NOW)
    [event] = request.pending
    assert isinstance(event, ev.RequestReceived)
    assert event.received_at == NOW and request.flagged
    assert event.missing_fields == ("customer_id", "contact", "subject", "description", "received_at")


def test_qualification_records_priority_from_the_matrix_and_routes_once():
    request = received()
    request.qualify("technical", CustomerProfile.B2B, Impact.CRITICAL, Urgency.HIGH, Workaround.NONE, NOW)
    assert types(request) == ["RequestQualified", "RequestAssigned"]
    assert (request.priority, request.team) == (Priority.P1, "technical_support")
    request.qualify("billing", CustomerProfile.B2B, Impact.CRITICAL, Urgency.HIGH, Workaround.NONE, NOW)
    assert request.team == "technical_support"  # requalifying never reroutes: that is a transfer


def test_a_requalification_changing_priority_needs_a_reason_and_names_the_criterion():
    request = qualified()
    with pytest.raises(PriorityChangeRefused) as refused:
        request.qualify("billing", CustomerProfile.B2C, Impact.CRITICAL, Urgency.HIGH, Workaround.NONE, NOW)
    assert refused.value.rule == "missing_reason" and request.pending == []
    request.qualify(
        "billing",
        CustomerProfile.B2C,
        Impact.CRITICAL,
        Urgency.HIGH,
        Workaround.NONE,
        NOW,
        reason="site entier coupé",
    )
    change = request.pending[-1]
    assert isinstance(change, ev.PriorityChanged)
    assert (change.old, change.new, change.criterion) == ("p3", "p1", "impact")


def test_priority_cannot_change_before_qualification_nor_on_insistence():
    with pytest.raises(NotQualified):
        received().change_priority(Priority.P1, PriorityCriterion.URGENCY, "coupure", NOW)
    with pytest.raises(PriorityChangeRefused) as refused:
        qualified().change_priority(Priority.P1, PriorityCriterion.URGENCY, "le client insiste", NOW)
    assert refused.value.rule == "insistence"


def test_one_transfer_then_only_with_a_documented_exception():
    request = qualified()
    request.transfer("sales", None, "devis", None, NOW)
    with pytest.raises(TransferLimitReached):
        request.transfer("logistics", None, "livraison", "  ", NOW)
    request.transfer(
        "logistics",
        "bob",
        "livraison",
        "transporteur seul compétent",
        NOW,
        TransferException.SKILL_UNAVAILABLE,
    )
    assert recorded(request, ev.RequestTransferred).exception == "transporteur seul compétent"
    assert (request.team, request.agent, request.transfers) == ("logistics", "bob", 2)


def test_assigning_within_the_team_is_allowed_but_not_to_another_team():
    request = qualified()
    request.assign("billing", "carla", NOW)
    with pytest.raises(AssignmentRefused):
        request.assign("sales", None, NOW)


def test_closing_before_the_timeout_without_confirmation_is_refused():
    request = qualified()
    request.resolve("avoir émis", NOW)
    assert recorded(request, ev.RequestResolved).first_contact is True
    with pytest.raises(CloseRefused):
        request.close(False, NOW + timedelta(days=9))
    request.close(False, NOW + timedelta(days=10))
    assert (
        recorded(request, ev.RequestClosed).reason == "no_answer_timeout"
        and request.status is RequestStatus.CLOSED
    )


def test_illegal_transitions_and_changes_to_a_closed_request_are_refused():
    with pytest.raises(IllegalTransition):
        received().resolve("x", NOW)
    request = qualified()
    request.resolve("ok", NOW)
    request.close(True, NOW)
    with pytest.raises(RequestNotOpen):
        request.transfer("sales", None, "x", None, NOW)
    request.reopen("revenu", NOW + timedelta(days=1))
    assert request.status is RequestStatus.IN_PROGRESS and request.closed_at is None


def test_waiting_on_the_customer_makes_a_resolution_not_first_contact():
    request = qualified()
    request.await_customer("facture", None, NOW)
    request.customer_replied(NOW)
    request.resolve("ok", NOW)
    assert recorded(request, ev.RequestResolved).first_contact is False


def test_state_folded_from_stored_events_equals_state_after_the_decisions():
    request = qualified()
    request.transfer("sales", "bob", "devis", None, NOW)
    commitment = uuid4()
    request.make_commitment(commitment, "devis", NOW + timedelta(days=1), NOW)
    replayed = ServiceRequest(request.id)
    for event in [*ServiceRequest.receive(request.id, "DEM-2026-000001", DRAFT, NOW).pending]:
        replayed._apply(event)
    replayed.acknowledge(NOW)
    replayed.qualify("billing", CustomerProfile.B2C, Impact.MEDIUM, Urgency.LOW, Workaround.AVAILABLE, NOW)
    for event in request.pending:
        replayed._apply(event)
    assert vars(replayed) | {"pending": []} == vars(request) | {"pending": []}


def test_a_requalification_that_changes_no_matrix_input_keeps_a_priority_changed_by_hand():
    request = qualified()
    request.change_priority(
        Priority.P2,
        PriorityCriterion.DEADLINE,
        "échéance contractuelle",
        NOW,
        CriterionChange(deadline_at=NOW + timedelta(days=3), exception=True),
    )
    request.pending.clear()
    request.qualify("technical", CustomerProfile.B2C, Impact.MEDIUM, Urgency.LOW, Workaround.AVAILABLE, NOW)
    assert types(request) == ["RequestQualified"]
    assert recorded(request, ev.RequestQualified, 0).priority == "p2" and request.priority == Priority.P2
    request.qualify(
        "technical",
        CustomerProfile.B2C,
        Impact.CRITICAL,
        Urgency.HIGH,
        Workaround.NONE,
        NOW,
        reason="tout le site est coupé",
    )
    change = recorded(request, ev.PriorityChanged)
    assert (change.old, change.new, change.criterion) == ("p2", "p1", "impact")
