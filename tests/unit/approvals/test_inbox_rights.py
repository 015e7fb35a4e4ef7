"""The inbox lists what a decision would accept: the rights' reaches (pushed into SQL) and
``may_take`` (the decision's own rule, ``authority_for``) over teams, kinds, ceilings,
validity and substitutions."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from approvals.adapters.authorities import TokenRights
from approvals.domain.authority import Decider, Reach, uncovered
from approvals.domain.habilitations import Habilitation, Scope
from approvals.domain.inbox import WaitingStep, may_take
from approvals.domain.substitutes import RecordedRights, Substitution
from events.catalogue.approvals import Money

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EUR_1000 = Money(amount=Decimal(1000), currency="EUR")


def habilitation(
    person: str, level: int = 2, scope: Scope = Scope(), days: int | None = None
) -> Habilitation:
    until = T0 + timedelta(days=days) if days is not None else None
    return Habilitation(uuid4(), person, level, scope, T0, until, "dora", T0)


def gesture(
    approver: str | None = None, team: str | None = "support", amount: int = 200, author: str = "alice"
) -> WaitingStep:
    return WaitingStep(
        approver, 2, "commercial_gesture", team, (Money(amount=Decimal(amount), currency="EUR"),), author
    )


def rights(
    person: str = "bob",
    own: tuple[Habilitation, ...] = (),
    substituted: tuple[tuple[Substitution, tuple[Habilitation, ...]], ...] = (),
    at: datetime = T0 + timedelta(hours=1),
    director: bool = False,
) -> RecordedRights:
    return RecordedRights(person, director, own, substituted, at)


def standing_in(days: int = 2) -> Substitution:
    return Substitution(uuid4(), "yann", "carl", T0, T0 + timedelta(days=days), "dora", T0)


def test_a_step_outside_the_habilitations_teams_or_over_its_ceiling_is_not_taken() -> None:
    scoped = rights(own=(habilitation("bob", scope=Scope(frozenset({"support"}), ceiling=EUR_1000)),))
    assert may_take(scoped, gesture()) is not None
    assert may_take(scoped, gesture(team="billing")) is None
    assert may_take(scoped, gesture(team=None)) is None
    assert may_take(scoped, gesture(amount=1500)) is None
    assert may_take(scoped, gesture(author="bob")) is None


def test_a_step_of_another_kind_or_above_the_level_is_not_taken() -> None:
    kinds = rights(own=(habilitation("bob", scope=Scope(kinds=frozenset({"tariff_derogation"}))),))
    assert may_take(kinds, gesture()) is None
    level_3 = WaitingStep(None, 3, "amendment", "support", (), "alice")
    assert may_take(rights(own=(habilitation("bob"),)), level_3) is None
    assert may_take(rights(own=(habilitation("bob", level=3),)), level_3) is not None


def test_an_expired_habilitation_takes_nothing_but_level_1() -> None:
    expired = rights(own=(habilitation("bob", days=1),), at=T0 + timedelta(days=2))
    assert may_take(expired, gesture()) is None
    assert may_take(expired, WaitingStep(None, 1, "standard_answer", None, (), "alice")) is not None
    assert expired.reaches() == (Reach("bob", 1), Reach(None, 1))


def test_a_substitute_takes_the_absent_approvers_steps_only_while_the_substitution_runs() -> None:
    absent = (habilitation("yann", scope=Scope(frozenset({"support"}))),)
    substitution = standing_in(days=2)
    during = rights("carl", substituted=((substitution, absent),), at=T0 + timedelta(days=1))
    taken = may_take(during, gesture(approver="yann"))
    assert taken is not None and (taken.person, taken.on_behalf_of) == ("carl", "yann")
    assert may_take(during, gesture()) is not None
    assert may_take(during, gesture(approver="yann", team="billing")) is None
    assert during.principals == ("carl", "yann")

    after = rights("carl", substituted=((substitution, absent),), at=T0 + timedelta(days=3))
    assert may_take(after, gesture(approver="yann")) is None
    assert may_take(after, gesture()) is None
    assert after.principals == ("carl",)


def test_a_step_named_for_someone_else_is_not_taken_on_ones_own_right() -> None:
    director = rights(director=True)
    assert may_take(director, gesture(approver="bob")) is not None
    assert may_take(director, gesture(approver="zoe")) is None


def test_the_reaches_carry_the_scopes_in_force_for_each_approver() -> None:
    support = Scope(frozenset({"support"}), frozenset({"commercial_gesture"}))
    absent = (habilitation("yann", level=3),)
    found = rights(
        "carl",
        own=(habilitation("carl", scope=support), habilitation("carl", days=0)),
        substituted=((standing_in(), absent),),
    ).reaches()
    teams, kinds = frozenset({"support"}), frozenset({"commercial_gesture"})
    assert set(found) == {
        Reach("carl", 1),
        Reach("carl", 2, teams, kinds),
        Reach(None, 3),
        Reach("yann", 3),
    }


def test_a_reach_covered_by_a_wider_one_is_dropped() -> None:
    wide, narrow = Reach(None, 3), Reach(None, 2, frozenset({"support"}))
    assert uncovered([narrow, wide, Reach("bob", 1)]) == (wide, Reach("bob", 1))
    assert uncovered([Reach(None, 2, frozenset({"a"})), Reach(None, 2, frozenset({"b"}))]) == (
        Reach(None, 2, frozenset({"a"})),
        Reach(None, 2, frozenset({"b"})),
    )


def test_a_tokens_rights_reach_its_level_over_any_scope() -> None:
    manager = TokenRights(Decider("bob", ("manager",)))
    assert manager.reaches() == (Reach("bob", 2), Reach(None, 2))
    assert may_take(manager, gesture(team="billing", amount=10_000)) is not None
    assert may_take(manager, gesture(approver="yann")) is None
