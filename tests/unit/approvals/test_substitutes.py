"""Substitutes decide on behalf of an absent approver, only while their substitution runs."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from approvals.domain.authority import Authority, DecisionScope, Refusal
from approvals.domain.habilitations import Grant, HabilitationRefused, PersonAuthorisations, Scope
from approvals.domain.substitutes import SUBSTITUTE, Substitution, appoint_substitute, authority_for
from events.catalogue.approvals import SubstituteAppointed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GESTURE = DecisionScope(kind="commercial_gesture", team="billing")


def absent_manager() -> PersonAuthorisations:
    record = PersonAuthorisations.of("yann")
    record.grant(Grant(uuid4(), "yann", 2, Scope(), T0), granted_by="dora", by_director=True, at=T0)
    return record


def appoint(record: PersonAuthorisations, days: int = 5, by: str = "yann") -> Substitution:
    return appoint_substitute(
        record,
        uuid4(),
        "xavier",
        T0,
        T0 + timedelta(days=days),
        by,
        by_management=False,
        reason="leave",
        at=T0,
    )


def test_a_substitution_is_recorded_on_the_absent_persons_stream() -> None:
    record = absent_manager()
    substitution = appoint(record)
    event = record.pending[-1]
    assert isinstance(event, SubstituteAppointed)
    assert (event.absent, event.substitute, event.appointed_by) == ("yann", "xavier", "yann")
    assert Substitution.of(event) == substitution


def test_a_substitutes_decision_is_on_behalf_of_the_absent_approver() -> None:
    record = absent_manager()
    substitution = appoint(record)
    found = authority_for(
        "xavier",
        False,
        [],
        [(substitution, record.habilitations.values())],
        2,
        GESTURE,
        T0 + timedelta(days=1),
    )
    assert isinstance(found, Authority)
    assert (found.person, found.on_behalf_of, found.level, found.principal) == ("xavier", "yann", 2, "yann")
    [habilitation_id] = record.habilitations
    assert found.basis == f"substitution {substitution.substitution_id}, habilitation {habilitation_id}"
    named = authority_for(
        "xavier",
        False,
        [],
        [(substitution, record.habilitations.values())],
        2,
        GESTURE,
        T0,
        on_behalf_of="yann",
    )
    assert isinstance(named, Authority) and named.on_behalf_of == "yann"


def test_deciding_on_behalf_of_someone_not_substituted_is_refused() -> None:
    record = absent_manager()
    substitution = appoint(record)
    refused = authority_for(
        "xavier",
        False,
        [],
        [(substitution, record.habilitations.values())],
        2,
        GESTURE,
        T0,
        on_behalf_of="zoe",
    )
    assert isinstance(refused, Refusal) and refused.missing == SUBSTITUTE
    assert refused.reason == "xavier is not appointed substitute of zoe"


def test_an_expired_substitution_is_refused_naming_it() -> None:
    record = absent_manager()
    substitution = appoint(record, days=5)
    refused = authority_for(
        "xavier",
        False,
        [],
        [(substitution, record.habilitations.values())],
        2,
        GESTURE,
        T0 + timedelta(days=5),
    )
    assert isinstance(refused, Refusal)
    assert refused.missing == SUBSTITUTE
    assert str(substitution.substitution_id) in refused.reason and refused.reason.endswith("has ended")
    assert "of yann by xavier" in refused.reason


def test_a_substitute_gets_no_more_than_the_absent_persons_habilitations() -> None:
    record = absent_manager()
    substitution = appoint(record)
    refused = authority_for(
        "xavier",
        False,
        [],
        [(substitution, record.habilitations.values())],
        3,
        GESTURE,
        T0 + timedelta(days=1),
    )
    assert isinstance(refused, Refusal) and refused.missing == "approvals:decide-level-3"


def test_own_habilitation_first_then_the_directors_role_then_level_1_for_all() -> None:
    record = absent_manager()
    own = authority_for("yann", False, record.habilitations.values(), [], 2, GESTURE, T0)
    [habilitation_id] = record.habilitations
    assert own == Authority("yann", 2, basis=f"habilitation {habilitation_id}")
    assert authority_for("dora", True, [], [], 3, GESTURE, T0) == Authority("dora", 3, basis="director role")
    agent = authority_for("anna", False, [], [], 1, GESTURE, T0)
    assert isinstance(agent, Authority) and agent.level == 1
    manager_without_record = authority_for("max", False, [], [], 2, GESTURE, T0)
    assert manager_without_record == Refusal(
        "approvals:decide-level-2", "no habilitation at level 2 or above is recorded"
    )


@pytest.mark.parametrize(
    ("substitute", "until", "by", "management", "status", "field"),
    [
        ("yann", 5, "yann", False, 422, "substitute"),
        ("xavier", 0, "yann", False, 422, "valid_until"),
        ("xavier", 5, "someone", False, 403, None),
    ],
)
def test_bad_appointments_are_refused(
    substitute: str, until: int, by: str, management: bool, status: int, field: str | None
) -> None:
    record = absent_manager()
    before = list(record.pending)
    with pytest.raises(HabilitationRefused) as refused:
        appoint_substitute(
            record, uuid4(), substitute, T0, T0 + timedelta(days=until), by, management, None, at=T0
        )
    assert (refused.value.status, refused.value.field) == (status, field)
    assert record.pending == before


def test_management_appoints_for_someone_else() -> None:
    record = absent_manager()
    appoint_substitute(record, uuid4(), "xavier", T0, T0 + timedelta(days=1), "dora", True, None, at=T0)
    assert isinstance(record.pending[-1], SubstituteAppointed)
