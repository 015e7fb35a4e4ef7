"""Substitutes: who decides for an absent approver, over a date range (docs/domain.md §12.3).

A substitution is recorded on the absent person's stream (``SubstituteAppointed``, naming who
appointed it). While it runs, the substitute decides with the absent person's recorded
habilitations, and the decision says so (``on_behalf_of``); once it has ended (or before it
starts) a decision through it is refused, naming the substitution. A substitute never
inherits a director's role: only recorded habilitations pass to a substitute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from approvals.domain.authority import Authority, DecisionScope, Reach, Refusal, right_to_decide, uncovered
from approvals.domain.habilitations import (
    Habilitation,
    HabilitationRefused,
    Miss,
    PersonAuthorisations,
    authority_of,
)
from events.catalogue import approvals as ev

__all__ = ["SUBSTITUTE", "RecordedRights", "Substitution", "appoint_substitute", "authority_for"]

SUBSTITUTE = "approvals:substitute"
"""The right a refused substitute misses: a substitution running for the person they decide for."""


@dataclass(frozen=True, slots=True)
class Substitution:
    substitution_id: UUID
    absent: str
    substitute: str
    valid_from: datetime
    valid_until: datetime
    appointed_by: str
    appointed_at: datetime

    @classmethod
    def of(cls, event: ev.SubstituteAppointed) -> Substitution:
        return cls(
            event.substitution_id,
            event.absent,
            event.substitute,
            event.valid_from,
            event.valid_until,
            event.appointed_by,
            event.appointed_at,
        )

    def runs_at(self, at: datetime) -> bool:
        return self.valid_from <= at < self.valid_until

    def describe(self) -> str:
        return (
            f"substitution {self.substitution_id} of {self.absent} by {self.substitute} "
            f"({self.valid_from:%Y-%m-%dT%H:%M:%SZ} to {self.valid_until:%Y-%m-%dT%H:%M:%SZ})"
        )


def appoint_substitute(
    record: PersonAuthorisations,
    substitution_id: UUID,
    substitute: str,
    valid_from: datetime,
    valid_until: datetime,
    appointed_by: str,
    by_management: bool,
    reason: str | None,
    at: datetime,
) -> Substitution:
    """Record that ``substitute`` decides for the record's person from ``valid_from`` until
    ``valid_until``. The absent person appoints their own substitute, or management does."""
    absent = record.person
    if absent is None:
        raise ValueError("the record names no person: build it with PersonAuthorisations.of")
    if not (by_management or appointed_by == absent):
        raise HabilitationRefused(
            403, "not-yours", "a substitute is appointed by the absent person, a manager or a director"
        )
    if substitute == absent:
        raise HabilitationRefused(422, "self-substitute", "nobody substitutes for themselves", "substitute")
    if valid_until <= valid_from:
        raise HabilitationRefused(422, "empty-period", "valid_until must follow valid_from", "valid_until")
    if valid_until <= at:
        raise HabilitationRefused(422, "expired-period", "valid_until is already past", "valid_until")
    if substitution_id in record.substitutions:
        raise HabilitationRefused(409, "already-appointed", f"substitution {substitution_id} exists")
    record.record(
        ev.SubstituteAppointed(
            substitution_id=substitution_id,
            absent=absent,
            substitute=substitute,
            valid_from=valid_from,
            valid_until=valid_until,
            appointed_by=appointed_by,
            reason=reason,
            appointed_at=at,
        )
    )
    return Substitution.of(record.substitutions[substitution_id])


def authority_for(
    person: str,
    is_director: bool,
    own: Iterable[Habilitation],
    substituted: Iterable[tuple[Substitution, Iterable[Habilitation]]],
    level: int,
    scope: DecisionScope,
    at: datetime,
    on_behalf_of: str | None = None,
) -> Authority | Refusal:
    """May ``person`` decide ``scope`` at ``level`` at ``at``, and by which right?

    Level 1 is every agent's. At levels 2 and 3: the person's own habilitation in force; else a
    director's role; else a running substitution of someone whose habilitation covers it
    (``on_behalf_of`` that person). Asked to decide ``on_behalf_of`` someone, only a
    substitution of that person counts. Refused otherwise, naming what is missing: an ended
    substitution is named before the person's own missing habilitation."""
    if on_behalf_of == person:
        on_behalf_of = None
    if on_behalf_of is None:
        if level <= 1:
            return Authority(person, level, basis="every agent validates at level 1")
        found = authority_of(own, level, scope, at)
        if isinstance(found, Habilitation):
            return Authority(person, found.level, basis=f"habilitation {found.habilitation_id}")
        if is_director:
            return Authority(person, 3, basis="director role")
    else:
        found = Miss("no_substitution", f"{person} is not appointed substitute of {on_behalf_of}")
    ended: Substitution | None = None
    for substitution, habilitations in substituted:
        if substitution.substitute != person or on_behalf_of not in (None, substitution.absent):
            continue
        if not substitution.runs_at(at):
            ended = ended or substitution
            continue
        held = authority_of(habilitations, max(level, 2), scope, at)
        if isinstance(held, Habilitation):
            basis = f"substitution {substitution.substitution_id}, habilitation {held.habilitation_id}"
            return Authority(person, held.level, on_behalf_of=substitution.absent, basis=basis)
        if on_behalf_of is not None:
            found = Miss(held.code, f"on behalf of {substitution.absent}: {held.message}")
    if ended is not None:
        state = "has not started" if at < ended.valid_from else "has ended"
        return Refusal(SUBSTITUTE, f"the {ended.describe()} {state}")
    missing = SUBSTITUTE if found.code == "no_substitution" else right_to_decide(level)
    return Refusal(missing, found.message)


@dataclass(frozen=True, slots=True)
class RecordedRights:
    """A person's rights at ``at`` from their recorded habilitations, their director role and
    the substitutions they hold (``substituted``: each with the absent approver's habilitations).
    ``authority`` is ``authority_for``: the rule a decision is checked against."""

    person: str
    is_director: bool
    own: tuple[Habilitation, ...]
    substituted: tuple[tuple[Substitution, tuple[Habilitation, ...]], ...]
    at: datetime

    @property
    def principals(self) -> tuple[str, ...]:
        running = (
            s.absent for s, _ in self.substituted if s.substitute == self.person and s.runs_at(self.at)
        )
        return tuple(dict.fromkeys([self.person, *running]))

    def authority(
        self, level: int, scope: DecisionScope, on_behalf_of: str | None = None
    ) -> Authority | Refusal:
        return authority_for(
            self.person, self.is_director, self.own, self.substituted, level, scope, self.at, on_behalf_of
        )

    def reaches(self) -> tuple[Reach, ...]:
        """Steps waiting for the person or for anyone: level 1, a director's level 3, their own
        habilitations in force; steps waiting for anyone or for an absent approver they stand
        in for: that approver's habilitations in force (level 2 and up, as ``authority_for``)."""
        own = [Reach(None, 1)] + ([Reach(None, 3)] if self.is_director else [])
        own += [_reach(None, h) for h in self.own if h.state_at(self.at) == "in_force"]
        standing_in: list[Reach] = []
        for substitution, habilitations in self.substituted:
            if substitution.substitute != self.person or not substitution.runs_at(self.at):
                continue
            for habilitation in habilitations:
                if habilitation.level >= 2 and habilitation.state_at(self.at) == "in_force":
                    standing_in.append(_reach(substitution.absent, habilitation))
        return uncovered(
            [
                *(replace(r, approver=self.person) for r in own),
                *own,
                *(replace(r, approver=None) for r in standing_in),
                *standing_in,
            ]
        )


def _reach(approver: str | None, habilitation: Habilitation) -> Reach:
    scope = habilitation.scope
    return Reach(approver, habilitation.level, scope.teams, scope.kinds)
