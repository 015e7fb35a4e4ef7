"""The approval aggregate: bound to the content hash, its circuit, four eyes, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from approvals.domain.approval import Approval, Submission
from approvals.domain.authority import Authority
from approvals.domain.errors import ApprovalClosed, DecisionRefused, FourEyesViolation, InvalidSubmission
from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
from events.catalogue.approvals import (
    ApprovalRequested,
    ApprovalStepDecided,
    ApprovalWithdrawn,
    ChangesRequested,
    CircuitStep,
    Money,
    ResponseRejected,
    ResponseValidated,
    StepRule,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HASH = "a" * 64
REQUEST = uuid4()


def submit(kind: str, amount: str | None = None, author: str = "alice", **fields: object) -> Approval:
    amounts = (Money(amount=Decimal(amount), currency="EUR"),) if amount is not None else ()
    rules = fields.pop("rules", DEFAULT_RULES)
    assert isinstance(rules, ApprovalRules)
    submission = Submission(
        request_id=REQUEST,
        content_hash=str(fields.pop("content_hash", HASH)),
        kind=kind,
        author=author,
        amounts=amounts,
        criterion=fields.pop("criterion", None),  # type: ignore[arg-type]
    )
    return Approval.submit(uuid4(), submission, rules, AT)


def manager(person: str = "bob", on_behalf_of: str | None = None) -> Authority:
    return Authority(person, 2, on_behalf_of)


def director(person: str = "dora") -> Authority:
    return Authority(person, 3)


def types(approval: Approval) -> list[type]:
    return [type(event) for event in approval.pending]


def test_100_is_validated_by_the_agent_alone_and_recorded() -> None:
    approval = submit("accommodation", "100")
    assert types(approval) == [ApprovalRequested, ResponseValidated]
    validated = approval.pending[-1]
    assert isinstance(validated, ResponseValidated)
    assert (validated.level, validated.validated_by, validated.content_hash) == (1, ("alice",), HASH)
    assert approval.status == "validated"


def test_a_200_gesture_waits_for_one_manager_then_is_validated() -> None:
    approval = submit("commercial_gesture", "200")
    assert types(approval) == [ApprovalRequested]
    assert approval.status == "pending" and approval.level == 2
    approval.decide("approve", manager(), None, AT + timedelta(minutes=5))
    validated = approval.pending[-1]
    assert isinstance(validated, ResponseValidated)
    assert validated.validated_by == ("bob",) and validated.rules_version == 1
    assert validated.content_hash == HASH


@pytest.mark.parametrize(("kind", "amount"), [("commercial_gesture", "200"), ("amendment", "0")])
def test_the_author_never_approves_their_own_content_at_levels_2_and_3(kind: str, amount: str) -> None:
    approval = submit(kind, amount, author="bob")
    with pytest.raises(FourEyesViolation):
        approval.decide("approve", manager("bob"), None, AT)
    with pytest.raises(FourEyesViolation):
        approval.decide("approve", Authority("bob", 3), None, AT)
    assert types(approval) == [ApprovalRequested]


def test_a_substitute_cannot_approve_for_the_author_either() -> None:
    approval = submit("commercial_gesture", "200", author="bob")
    with pytest.raises(FourEyesViolation):
        approval.decide("approve", manager("carl", on_behalf_of="bob"), None, AT)


def test_an_amendment_goes_manager_then_director_and_nobody_approves_twice() -> None:
    approval = submit("amendment", "10")
    assert [(s.step, s.level) for s in approval.steps] == [(1, 2), (2, 3)]
    with pytest.raises(DecisionRefused) as refused:
        approval.decide("approve", Authority("bob", 1), None, AT)
    assert refused.value.missing == "approvals:decide-level-2"
    approval.decide("approve", director("dora"), None, AT)
    assert approval.current_step == 2 and approval.status == "pending"
    with pytest.raises(FourEyesViolation, match="twice"):
        approval.decide("approve", director("dora"), None, AT)
    with pytest.raises(DecisionRefused) as refused:
        approval.decide("approve", manager("bob"), None, AT)
    assert refused.value.missing == "approvals:decide-level-3"
    approval.decide("approve", director("eve"), None, AT)
    validated = approval.pending[-1]
    assert isinstance(validated, ResponseValidated)
    assert validated.level == 3 and validated.validated_by == ("dora", "eve")


def test_a_substitute_decision_counts_for_the_absent_approver_too() -> None:
    approval = submit("amendment", "10")
    approval.decide("approve", Authority("carl", 3, on_behalf_of="dora"), None, AT)
    decided = approval.pending[-1]
    assert isinstance(decided, ApprovalStepDecided)
    assert (decided.decided_by, decided.on_behalf_of) == ("carl", "dora")
    with pytest.raises(FourEyesViolation):
        approval.decide("approve", director("dora"), None, AT)


def test_reject_needs_a_reason_and_closes_the_approval() -> None:
    approval = submit("commercial_gesture", "200")
    with pytest.raises(InvalidSubmission) as refused:
        approval.decide("reject", manager(), "  ", AT)
    assert refused.value.field == "reason"
    approval.decide("reject", manager(), "too generous", AT)
    assert types(approval)[-1] is ResponseRejected
    assert approval.status == "rejected"
    with pytest.raises(ApprovalClosed):
        approval.decide("approve", manager("carl"), None, AT)


def test_request_changes_closes_it_and_the_new_content_needs_its_own_approval() -> None:
    approval = submit("commercial_gesture", "200")
    approval.decide("request_changes", manager(), "say when it applies", AT)
    assert types(approval)[-1] is ChangesRequested and approval.status == "changes_requested"
    edited = submit("commercial_gesture", "200", content_hash="b" * 64)
    assert edited.status == "pending" and edited.content_hash == "b" * 64


def test_withdraw_blocks_even_a_validated_content_and_only_the_author_or_a_manager_withdraws() -> None:
    approval = submit("accommodation", "100")
    with pytest.raises(DecisionRefused):
        approval.withdraw("mallory", None, AT)
    approval.withdraw("alice", "sent the wrong file", AT)
    assert types(approval)[-1] is ApprovalWithdrawn and approval.status == "withdrawn"
    with pytest.raises(ApprovalClosed):
        approval.withdraw("alice", None, AT)


def test_expire_closes_a_pending_approval_only() -> None:
    approval = submit("commercial_gesture", "200")
    approval.expire(AT + timedelta(days=3))
    assert approval.status == "expired"
    with pytest.raises(ApprovalClosed):
        approval.decide("approve", manager(), None, AT)


def test_escalation_raises_the_step_level_without_deciding() -> None:
    approval = submit("commercial_gesture", "200")
    approval.escalate(3, "no manager decided in time", AT)
    assert approval.step.level == 3 and approval.status == "pending"
    with pytest.raises(DecisionRefused):
        approval.decide("approve", manager(), None, AT)
    approval.decide("approve", director(), None, AT)
    assert approval.status == "validated"


@pytest.mark.parametrize("bad", ["A" * 64, "a" * 63, "g" * 64, "a" * 65, ""])
def test_the_content_hash_is_64_lowercase_hex(bad: str) -> None:
    with pytest.raises(InvalidSubmission) as refused:
        submit("accommodation", "100", content_hash=bad)
    assert refused.value.field == "content_hash"


def test_a_compensation_carries_its_objective_criterion_and_goes_to_level_2() -> None:
    with pytest.raises(InvalidSubmission) as refused:
        submit("compensation", "20")
    assert refused.value.field == "criterion"
    approval = submit("compensation", "20", criterion="sla_breached:resolution")
    requested = approval.pending[0]
    assert isinstance(requested, ApprovalRequested)
    assert (requested.level, requested.criterion) == (2, "sla_breached:resolution")


def quorum_rules(step: CircuitStep) -> ApprovalRules:
    return ApprovalRules(
        version=7,
        kinds=DEFAULT_RULES.kinds,
        thresholds=DEFAULT_RULES.thresholds,
        circuits=(StepRule(level=2, steps=(step,)), DEFAULT_RULES.circuits[1]),
        default_currency="EUR",
        compensation_kinds=DEFAULT_RULES.compensation_kinds,
    )


@pytest.mark.parametrize(
    ("step", "approvals_needed"),
    [
        (CircuitStep(step=1, level=2, approvers=("m1", "m2", "m3"), quorum="all"), 3),
        (CircuitStep(step=1, level=2, approvers=("m1", "m2", "m3"), quorum="count", count=2), 2),
        (CircuitStep(step=1, level=2, approvers=("m1", "m2", "m3"), quorum="percent", percent=50), 2),
        (CircuitStep(step=1, level=2, approvers=("m1", "m2", "m3"), quorum="any"), 1),
    ],
)
def test_quorum_rules_close_a_step(step: CircuitStep, approvals_needed: int) -> None:
    approval = submit("commercial_gesture", "200", rules=quorum_rules(step))
    for number, person in enumerate(("m1", "m2", "m3")[:approvals_needed], start=1):
        assert approval.status == "pending"
        approval.decide("approve", manager(person), None, AT)
        decided = [e for e in approval.pending if isinstance(e, ApprovalStepDecided)][-1]
        assert decided.step_closed is (number == approvals_needed)
    assert approval.status == "validated"


def test_a_named_step_refuses_someone_not_named() -> None:
    step = CircuitStep(step=1, level=2, approvers=("m1", "m2"), quorum="all")
    approval = submit("commercial_gesture", "200", rules=quorum_rules(step))
    with pytest.raises(DecisionRefused) as refused:
        approval.decide("approve", manager("outsider"), None, AT)
    assert refused.value.missing == "approvals:approver-of-step-1"
