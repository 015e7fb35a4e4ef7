"""Habilitations: granted by a director, scoped, dated; a revoked or expired one stops at once."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from approvals.domain.authority import DecisionScope
from approvals.domain.habilitations import (
    Grant,
    Habilitation,
    HabilitationRefused,
    Miss,
    PersonAuthorisations,
    Scope,
    authority_of,
)
from events.catalogue.approvals import HabilitationGranted, HabilitationRevoked, Money

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GESTURE = DecisionScope(
    kind="commercial_gesture", team="billing", amounts=(Money(amount=Decimal(200), currency="EUR"),)
)


def grant(
    level: int = 2, scope: Scope = Scope(), until: datetime | None = None, person: str = "mona"
) -> Grant:
    return Grant(uuid4(), person, level, scope, valid_from=T0, valid_until=until)


def granted(record: PersonAuthorisations, g: Grant) -> Habilitation:
    return record.grant(g, granted_by="dora", by_director=True, at=T0)


def test_a_grant_is_recorded_with_who_granted_it() -> None:
    record = PersonAuthorisations.of("mona")
    g = grant(scope=Scope(teams=frozenset({"billing"}), ceiling=Money(amount=Decimal(500), currency="EUR")))
    granted(record, g)
    [event] = record.pending
    assert isinstance(event, HabilitationGranted)
    assert (event.person, event.level, event.granted_by, event.teams) == ("mona", 2, "dora", ("billing",))
    assert event.amount_ceiling == Money(amount=Decimal(500), currency="EUR")
    assert record.id == PersonAuthorisations.stream_of("mona")


def test_a_habilitation_in_force_covers_a_matter_in_its_scope() -> None:
    record = PersonAuthorisations.of("mona")
    habilitation = granted(record, grant())
    assert record.authority(2, GESTURE, T0 + timedelta(hours=1)) == habilitation


def test_a_revoked_habilitation_stops_working_at_once() -> None:
    record = PersonAuthorisations.of("mona")
    habilitation = granted(record, grant())
    revoked_at = T0 + timedelta(days=3)
    record.revoke(
        habilitation.habilitation_id, "dora", by_director=True, reason="left the team", at=revoked_at
    )
    assert isinstance(record.pending[-1], HabilitationRevoked)
    assert (
        record.authority(2, GESTURE, revoked_at - timedelta(microseconds=1))
        == record.habilitations[habilitation.habilitation_id]
    )
    refusal = record.authority(2, GESTURE, revoked_at)
    assert isinstance(refusal, Miss)
    assert refusal.code == "revoked"
    assert str(habilitation.habilitation_id) in refusal.message
    assert refusal.habilitation_id == habilitation.habilitation_id


def test_an_expired_habilitation_stops_at_its_end() -> None:
    record = PersonAuthorisations.of("mona")
    granted(record, grant(until=T0 + timedelta(days=30)))
    assert isinstance(record.authority(2, GESTURE, T0 + timedelta(days=29)), Habilitation)
    refusal = record.authority(2, GESTURE, T0 + timedelta(days=30))
    assert isinstance(refusal, Miss) and refusal.code == "expired"


def test_level_and_scope_limit_a_habilitation() -> None:
    record = PersonAuthorisations.of("mona")
    granted(record, grant(level=2, scope=Scope(ceiling=Money(amount=Decimal(150), currency="EUR"))))
    at = T0 + timedelta(hours=1)
    too_high = record.authority(3, GESTURE, at)
    assert isinstance(too_high, Miss) and too_high.code == "no_habilitation"
    over_ceiling = record.authority(2, GESTURE, at)
    assert isinstance(over_ceiling, Miss) and over_ceiling.code == "outside_scope"
    assert "exceeds the ceiling of 150" in over_ceiling.message
    dollars = DecisionScope(kind="commercial_gesture", amounts=(Money(amount=Decimal(10), currency="USD"),))
    assert isinstance(record.authority(2, dollars, at), Miss)
    other_team = authority_of(
        [Habilitation(uuid4(), "mona", 3, Scope(teams=frozenset({"sales"})), T0, None, "dora", T0)],
        2,
        GESTURE,
        at,
    )
    assert isinstance(other_team, Miss) and "team billing is outside the scope" in other_team.message


def test_a_level_3_habilitation_covers_level_2() -> None:
    record = PersonAuthorisations.of("mona")
    granted(record, grant(level=3))
    assert isinstance(record.authority(2, GESTURE, T0), Habilitation)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"by_director": False}, 403, None),
        ({"granted_by": "mona"}, 403, "person"),
        ({"level": 1}, 422, "level"),
        ({"level": 4}, 422, "level"),
        ({"valid_until": T0}, 422, "valid_until"),
        ({"valid_until": T0 + timedelta(days=1), "at": T0 + timedelta(days=2)}, 422, "valid_until"),
        ({"ceiling": Money(amount=Decimal(-1), currency="EUR")}, 422, "amount_ceiling.amount"),
        ({"ceiling": Money(amount=Decimal(1), currency="XYZ")}, 422, "amount_ceiling.currency"),
    ],
)
def test_bad_grants_are_refused_naming_the_field(
    change: dict[str, object], status: int, field: str | None
) -> None:
    record = PersonAuthorisations.of("mona")
    scope = Scope(ceiling=change.get("ceiling"))  # type: ignore[arg-type]
    g = Grant(uuid4(), "mona", change.get("level", 2), scope, T0, change.get("valid_until"))  # type: ignore[arg-type]
    with pytest.raises(HabilitationRefused) as refused:
        record.grant(
            g,
            granted_by=change.get("granted_by", "dora"),  # type: ignore[arg-type]
            by_director=change.get("by_director", True),  # type: ignore[arg-type]
            at=change.get("at", T0),  # type: ignore[arg-type]
        )
    assert (refused.value.status, refused.value.field) == (status, field)
    assert record.pending == []


def test_revocation_needs_a_director_a_known_id_and_happens_once() -> None:
    record = PersonAuthorisations.of("mona")
    habilitation = granted(record, grant())
    with pytest.raises(HabilitationRefused) as not_director:
        record.revoke(habilitation.habilitation_id, "max", by_director=False, reason=None, at=T0)
    assert not_director.value.status == 403
    with pytest.raises(HabilitationRefused) as unknown:
        record.revoke(uuid4(), "dora", by_director=True, reason=None, at=T0)
    assert unknown.value.status == 404
    record.revoke(habilitation.habilitation_id, "dora", by_director=True, reason=None, at=T0)
    with pytest.raises(HabilitationRefused) as twice:
        record.revoke(habilitation.habilitation_id, "dora", by_director=True, reason=None, at=T0)
    assert twice.value.status == 409


def test_the_record_folds_back_from_its_events() -> None:
    record = PersonAuthorisations.of("mona")
    habilitation = granted(record, grant())
    record.revoke(
        habilitation.habilitation_id, "dora", by_director=True, reason=None, at=T0 + timedelta(days=1)
    )
    folded = PersonAuthorisations(record.id)
    for event in record.pending:
        folded._apply(event)
    assert folded.habilitations == record.habilitations
    assert folded.person == "mona"
