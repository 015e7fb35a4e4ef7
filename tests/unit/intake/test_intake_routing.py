import pytest

from intake.domain.errors import InvalidRuleTable, TransferLimitReached
from intake.domain.routing import (
    DEFAULT_ROUTING,
    RoutingTable,
    TransferAllowance,
    TransferException,
    check_transfer,
)


def test_first_transfer_is_allowed() -> None:
    assert check_transfer(0, None) == TransferAllowance()
    assert not check_transfer(0, None).exceptional


@pytest.mark.parametrize("previous", [1, 2, 5])
def test_second_transfer_is_refused_without_exception(previous: int) -> None:
    with pytest.raises(TransferLimitReached) as refused:
        check_transfer(previous, None)
    assert refused.value.code == "transfer_limit_reached"
    assert (refused.value.previous_transfers, refused.value.limit) == (previous, 1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_blank_exception_does_not_count_as_documented(reason: str) -> None:
    with pytest.raises(TransferLimitReached):
        check_transfer(1, reason)


def test_second_transfer_is_allowed_with_a_documented_exception() -> None:
    allowance = check_transfer(
        1, "  expert on leave, case needs legal team ", exception_kind=TransferException.SKILL_UNAVAILABLE
    )
    assert allowance.exceptional
    assert allowance.exception_reason == "expert on leave, case needs legal team"


def test_first_transfer_records_no_exception_even_if_one_is_given() -> None:
    assert not check_transfer(0, "not needed").exceptional


def test_transfer_limit_is_configurable() -> None:
    assert not check_transfer(1, None, max_transfers=2).exceptional
    with pytest.raises(TransferLimitReached):
        check_transfer(2, None, max_transfers=2)


def test_negative_transfer_count_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_transfer(-1, None)


@pytest.mark.parametrize(("category", "team"), list(DEFAULT_ROUTING.routes.items()))
def test_each_category_goes_to_its_team(category: str, team: str) -> None:
    assert DEFAULT_ROUTING.team_for(category) == team


@pytest.mark.parametrize("category", ["unknown", "", None])
def test_unknown_category_goes_to_the_front_office(category: str | None) -> None:
    assert DEFAULT_ROUTING.team_for(category) == "front_office"


def test_category_lookup_ignores_case_accents_and_punctuation() -> None:
    table = RoutingTable({"Réclamation": "quality"}, fallback="front_office")
    assert table.team_for("RECLAMATION") == "quality"
    assert DEFAULT_ROUTING.team_for("Data Quality") == "data_quality"


def test_routing_table_without_a_team_is_refused() -> None:
    with pytest.raises(InvalidRuleTable):
        RoutingTable({"billing": " "}, fallback="front_office")
    with pytest.raises(InvalidRuleTable):
        RoutingTable({"billing": "billing"}, fallback="")


def test_categories_that_fold_to_the_same_key_are_refused() -> None:
    with pytest.raises(InvalidRuleTable):
        RoutingTable({"Réclamation": "quality", "reclamation": "legal"}, fallback="front_office")
