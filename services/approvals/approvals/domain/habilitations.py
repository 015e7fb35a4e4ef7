"""Habilitations: levels granted to a person by management, with scope and validity (docs/domain.md §12.1).

One stream per person (``PersonAuthorisations``): each grant and revocation is an event naming
who made it, and so are the substitutions appointed for the person's absences
(``substitutes``). ``authority_of`` is the pure rule a decision is checked against: a
habilitation works from ``valid_from`` until ``valid_until`` (excluded) and not from the
instant it is revoked; it covers a decision when its level is high enough and the decision's
team, kind and amounts fall within its scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid5

from approvals.domain.authority import DecisionScope
from approvals.domain.currencies import is_currency
from events.aggregate_base import Aggregate
from events.catalogue import approvals as ev
from events.catalogue.approvals import Money

__all__ = [
    "Grant",
    "Habilitation",
    "HabilitationRefused",
    "Miss",
    "PersonAuthorisations",
    "Scope",
    "authority_of",
]

_STREAMS = UUID("6f1d2c2e-6a57-4d3c-9a4b-2f5e1a7c9d10")
GRANTABLE_LEVELS = (2, 3)


class HabilitationRefused(Exception):
    """A grant, revocation or appointment is refused: ``field`` names the input at fault (or
    None), ``status`` the HTTP status it maps to (403 a missing right, 404 an unknown id, 409 a
    state conflict, 422 a bad value)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@dataclass(frozen=True, slots=True)
class Scope:
    """What a habilitation covers; an empty ``teams`` or ``kinds`` means every one, no
    ``ceiling`` any amount."""

    teams: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    ceiling: Money | None = None

    def refusal_for(self, matter: DecisionScope) -> str | None:
        """Why ``matter`` falls outside this scope, in words; None when it is covered."""
        if self.teams and matter.team not in self.teams:
            return (
                f"team {matter.team or '(none)'} is outside the scope (teams {', '.join(sorted(self.teams))})"
            )
        if self.kinds and matter.kind not in self.kinds:
            return f"kind {matter.kind} is outside the scope (kinds {', '.join(sorted(self.kinds))})"
        if self.ceiling is not None:
            for amount in matter.amounts:
                if amount.currency != self.ceiling.currency:
                    return f"an amount in {amount.currency} is outside a ceiling in {self.ceiling.currency}"
                if amount.amount > self.ceiling.amount:
                    return f"{amount.amount} {amount.currency} exceeds the ceiling of {self.ceiling.amount}"
        return None


@dataclass(frozen=True, slots=True)
class Grant:
    """A habilitation to grant, as asked for (checked by ``PersonAuthorisations.grant``)."""

    habilitation_id: UUID
    person: str
    level: int
    scope: Scope
    valid_from: datetime
    valid_until: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Habilitation:
    habilitation_id: UUID
    person: str
    level: int
    scope: Scope
    valid_from: datetime
    valid_until: datetime | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    reason: str | None = None

    def state_at(self, at: datetime) -> str:
        """``in_force``, ``revoked``, ``expired`` or ``not_yet_valid`` at ``at``."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if at < self.valid_from:
            return "not_yet_valid"
        if self.valid_until is not None and at >= self.valid_until:
            return "expired"
        return "in_force"


@dataclass(frozen=True, slots=True)
class Miss:
    """Why no habilitation covers a decision: ``code`` (``no_habilitation``, ``revoked``,
    ``expired``, ``not_yet_valid``, ``outside_scope``) and a sentence naming the habilitation."""

    code: str
    message: str
    habilitation_id: UUID | None = None


_STATE_ORDER = ("outside_scope", "not_yet_valid", "expired", "revoked")


def authority_of(
    habilitations: Iterable[Habilitation], level: int, matter: DecisionScope, at: datetime
) -> Habilitation | Miss:
    """The habilitation by which its person may decide ``matter`` at ``level`` at ``at``: the
    first in force whose level and scope suffice; otherwise a refusal naming the closest miss
    (a revoked one above an expired one, above one not yet valid, above one out of scope)."""
    closest: tuple[int, Miss] | None = None
    for habilitation in habilitations:
        if habilitation.level < level:
            continue
        state = habilitation.state_at(at)
        outside = habilitation.scope.refusal_for(matter)
        if state == "in_force" and outside is None:
            return habilitation
        refusal = _refusal(habilitation, state, outside)
        rank = _STATE_ORDER.index(refusal.code)
        if closest is None or rank > closest[0]:
            closest = (rank, refusal)
    if closest is not None:
        return closest[1]
    return Miss("no_habilitation", f"no habilitation at level {level} or above is recorded")


def _refusal(habilitation: Habilitation, state: str, outside: str | None) -> Miss:
    named = habilitation.habilitation_id
    ident = f"habilitation {habilitation.habilitation_id}"
    if state == "revoked":
        return Miss(
            "revoked",
            f"{ident} was revoked at {habilitation.revoked_at:%Y-%m-%dT%H:%M:%SZ}",
            habilitation_id=named,
        )
    if state == "expired":
        return Miss(
            "expired",
            f"{ident} expired at {habilitation.valid_until:%Y-%m-%dT%H:%M:%SZ}",
            habilitation_id=named,
        )
    if state == "not_yet_valid":
        return Miss(
            "not_yet_valid",
            f"{ident} is valid from {habilitation.valid_from:%Y-%m-%dT%H:%M:%SZ}",
            habilitation_id=named,
        )
    return Miss("outside_scope", f"{ident}: {outside}", habilitation_id=named)


def check_money(money: Money | None, field_name: str) -> None:
    if money is None:
        return
    if not is_currency(money.currency):
        raise HabilitationRefused(
            422,
            "unknown-currency",
            f"{money.currency!r} is not an ISO 4217 currency in use",
            f"{field_name}.currency",
        )
    if not money.amount.is_finite() or money.amount < Decimal(0):
        raise HabilitationRefused(
            422, "negative-amount", "a ceiling is a non-negative amount", f"{field_name}.amount"
        )


class PersonAuthorisations(Aggregate):
    """The habilitations granted to one person and the substitutes appointed for their absences."""

    stream_type = "habilitations"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.person: str | None = None
        self.habilitations: dict[UUID, Habilitation] = {}
        self.substitutions: dict[UUID, ev.SubstituteAppointed] = {}

    @staticmethod
    def stream_of(person: str) -> UUID:
        return uuid5(_STREAMS, person)

    @classmethod
    def of(cls, person: str) -> PersonAuthorisations:
        record = cls(cls.stream_of(person))
        record.person = person
        return record

    def grant(self, grant: Grant, granted_by: str, by_director: bool, at: datetime) -> Habilitation:
        """Record the habilitation; only a director grants, never to themselves, for a period
        that has not ended."""
        if not by_director:
            raise HabilitationRefused(403, "director-only", "only a director grants habilitations")
        if granted_by == grant.person:
            raise HabilitationRefused(
                403, "self-grant", "nobody grants a habilitation to themselves", "person"
            )
        if grant.level not in GRANTABLE_LEVELS:
            raise HabilitationRefused(
                422, "unknown-level", "a habilitation grants level 2 or 3 (level 1 is every agent's)", "level"
            )
        if grant.valid_until is not None and grant.valid_until <= grant.valid_from:
            raise HabilitationRefused(
                422, "empty-period", "valid_until must follow valid_from", "valid_until"
            )
        if grant.valid_until is not None and grant.valid_until <= at:
            raise HabilitationRefused(422, "expired-period", "valid_until is already past", "valid_until")
        check_money(grant.scope.ceiling, "amount_ceiling")
        if grant.habilitation_id in self.habilitations:
            raise HabilitationRefused(409, "already-granted", f"habilitation {grant.habilitation_id} exists")
        self.record(
            ev.HabilitationGranted(
                habilitation_id=grant.habilitation_id,
                person=grant.person,
                level=grant.level,
                teams=tuple(sorted(grant.scope.teams)),
                kinds=tuple(sorted(grant.scope.kinds)),
                amount_ceiling=grant.scope.ceiling,
                valid_from=grant.valid_from,
                valid_until=grant.valid_until,
                granted_by=granted_by,
                reason=grant.reason,
                granted_at=at,
            )
        )
        return self.habilitations[grant.habilitation_id]

    def revoke(
        self, habilitation_id: UUID, revoked_by: str, by_director: bool, reason: str | None, at: datetime
    ) -> Habilitation:
        """Record the revocation: the habilitation stops working at ``at``."""
        if not by_director:
            raise HabilitationRefused(403, "director-only", "only a director revokes habilitations")
        current = self.habilitations.get(habilitation_id)
        if current is None:
            raise HabilitationRefused(404, "unknown-habilitation", f"no habilitation {habilitation_id}")
        if current.revoked_at is not None:
            raise HabilitationRefused(
                409, "already-revoked", f"habilitation {habilitation_id} is already revoked"
            )
        self.record(
            ev.HabilitationRevoked(
                habilitation_id=habilitation_id,
                person=current.person,
                revoked_by=revoked_by,
                reason=reason,
                revoked_at=at,
            )
        )
        return self.habilitations[habilitation_id]

    def authority(self, level: int, matter: DecisionScope, at: datetime) -> Habilitation | Miss:
        return authority_of(self.habilitations.values(), level, matter, at)

    def when_HabilitationGranted(self, event: ev.HabilitationGranted) -> None:
        self.person = event.person
        self.habilitations[event.habilitation_id] = Habilitation(
            habilitation_id=event.habilitation_id,
            person=event.person,
            level=event.level,
            scope=Scope(frozenset(event.teams), frozenset(event.kinds), event.amount_ceiling),
            valid_from=event.valid_from,
            valid_until=event.valid_until,
            granted_by=event.granted_by,
            granted_at=event.granted_at,
            reason=event.reason,
        )

    def when_HabilitationRevoked(self, event: ev.HabilitationRevoked) -> None:
        current = self.habilitations[event.habilitation_id]
        self.habilitations[event.habilitation_id] = replace(
            current, revoked_at=event.revoked_at, revoked_by=event.revoked_by
        )

    def when_SubstituteAppointed(self, event: ev.SubstituteAppointed) -> None:
        self.person = event.absent
        self.substitutions[event.substitution_id] = event
