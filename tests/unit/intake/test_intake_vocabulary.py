from enum import StrEnum

import pytest

from intake.domain import errors, vocabulary
from intake.domain.duplicates import DuplicateCandidate, DuplicateReason
from intake.domain.problems import FieldProblem
from intake.domain.vocabulary import PriorityCriterion, QueueException, RequestAction, RequestStatus

ENUMS = [
    obj
    for obj in vars(vocabulary).values()
    if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum
]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_enum_values_are_lowercase_strings_fit_for_events(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member.value == member.value.lower()
        assert member.value == member.name.lower()


def test_reopened_is_an_action_not_a_status() -> None:
    assert "reopened" not in {s.value for s in RequestStatus}
    assert RequestAction.REOPEN.value == "reopen"


def test_insistence_is_not_a_priority_criterion() -> None:
    assert not any("insist" in c.value or "relance" in c.value for c in PriorityCriterion)


def test_queue_exceptions_match_the_documented_list() -> None:
    assert {e.value for e in QueueException} == {
        "validated_p1",
        "security_risk",
        "major_incident",
        "contractual_obligation",
    }


ERRORS = [
    errors.InvalidRuleTable("table"),
    errors.PriorityChangeRefused("no", "insistence"),
    errors.IllegalTransition(RequestStatus.CLOSED, RequestAction.RESOLVE),
    errors.CloseRefused("no"),
    errors.ReopenRefused("no"),
    errors.TransferLimitReached(1, 1),
    errors.DuplicateSuspected([DuplicateCandidate("c1", 90.0, (DuplicateReason.SAME_EMAIL,))]),
    errors.InvalidCustomer([FieldProblem("email", "bad")]),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_domain_error_has_a_stable_code_and_a_message(error: errors.DomainError) -> None:
    assert isinstance(error, errors.DomainError)
    assert error.code != errors.DomainError.code
    assert error.message
    assert str(error) == error.message


def test_error_codes_are_unique() -> None:
    codes = [type(e).code for e in ERRORS]
    assert len(codes) == len(set(codes))


def test_illegal_transition_message_names_the_status_and_action() -> None:
    assert errors.IllegalTransition(RequestStatus.CLOSED, RequestAction.RESOLVE).message == (
        "cannot resolve a request that is closed"
    )


def test_duplicate_suspected_carries_the_candidates() -> None:
    candidate = DuplicateCandidate("c1", 90.0, (DuplicateReason.SAME_EMAIL,))
    error = errors.DuplicateSuspected([candidate])
    assert error.candidates == (candidate,)
    assert "c1" in error.message
