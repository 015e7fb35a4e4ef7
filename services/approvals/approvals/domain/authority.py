"""Who may decide a step: the decider, the scope of what they decide, and the answer.

Where the answer comes from (the token, recorded habilitations, substitutions) is a port of
the application (``approvals.app.ports.Authorities``); the aggregate only checks the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from events.catalogue.approvals import Money


@dataclass(frozen=True, slots=True)
class Decider:
    """The person calling, as their token describes them."""

    subject: str
    roles: tuple[str, ...] = ()
    level: int = 1
    teams: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DecisionScope:
    """What is being decided: a habilitation may be limited to teams, kinds, an amount ceiling."""

    kind: str
    team: str | None = None
    amounts: tuple[Money, ...] = ()


@dataclass(frozen=True, slots=True)
class Authority:
    """``person`` may decide at ``level``; ``on_behalf_of`` names the absent approver whose
    right a substitute uses; ``basis`` says where the right comes from, for the record."""

    person: str
    level: int
    on_behalf_of: str | None = None
    basis: str = "token"

    @property
    def principal(self) -> str:
        """The person whose right is used: the absent approver for a substitute."""
        return self.on_behalf_of or self.person


@dataclass(frozen=True, slots=True)
class Refusal:
    """No right to decide: ``missing`` names the right (``approvals:decide-level-3``)."""

    missing: str
    reason: str


def right_to_decide(level: int) -> str:
    """The name of the right to decide a step of ``level``."""
    return f"approvals:decide-level-{level}"


@dataclass(frozen=True, slots=True)
class Reach:
    """Which waiting steps a right may take, as a filter the read side can push down: those
    waiting for ``approver`` (None: anyone of the level), up to ``level``, of a team in
    ``teams`` and a kind in ``kinds`` (empty: any). A superset: ``DecisionRights.authority``
    has the last word (it also knows the amount ceilings and the four eyes)."""

    approver: str | None
    level: int
    teams: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def covers(self, other: Reach) -> bool:
        """Every step ``other`` lets through, this one does too."""
        return (
            self.approver == other.approver
            and self.level >= other.level
            and (not self.teams or bool(other.teams) and other.teams <= self.teams)
            and (not self.kinds or bool(other.kinds) and other.kinds <= self.kinds)
        )


class DecisionRights(Protocol):
    """What one person may decide at one instant: the answer a decision is checked against
    (``authority``), and the filters of the steps that answer may accept (``reaches``)."""

    @property
    def person(self) -> str: ...

    @property
    def principals(self) -> tuple[str, ...]:
        """The person and those whose right they use (the absent approvers they stand in for)."""
        ...

    def authority(
        self, level: int, scope: DecisionScope, on_behalf_of: str | None = None
    ) -> Authority | Refusal: ...

    def reaches(self) -> tuple[Reach, ...]: ...


def uncovered(reaches: Iterable[Reach]) -> tuple[Reach, ...]:
    """The reaches without those another one covers, in their first order."""
    kept: list[Reach] = []
    for reach in dict.fromkeys(reaches):
        if any(other.covers(reach) for other in kept):
            continue
        kept = [other for other in kept if not reach.covers(other)] + [reach]
    return tuple(kept)
