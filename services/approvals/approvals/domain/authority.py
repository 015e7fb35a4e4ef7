"""Who may decide a step: the decider, the scope of what they decide, and the answer.

Where the answer comes from (the token, recorded habilitations, substitutions) is a port of
the application (``approvals.app.ports.Authorities``); the aggregate only checks the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

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
