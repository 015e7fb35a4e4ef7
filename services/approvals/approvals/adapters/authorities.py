"""Who may decide, from the bearer token alone: the default ``Authorities``.

Level 2 steps: the manager or director role, or a token level of 2 or more; level 3 steps:
the director role or level 3. No substitution is known here: deciding on behalf of someone
is refused. Recorded habilitations and substitutes replace this adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from approvals.app.ports import UnitOfWork
from approvals.domain.authority import Authority, Decider, DecisionScope, Reach, Refusal, right_to_decide

ROLES_BY_LEVEL: dict[int, frozenset[str]] = {
    1: frozenset({"agent", "manager", "director"}),
    2: frozenset({"manager", "director"}),
    3: frozenset({"director"}),
}


def token_level(actor: Decider) -> int:
    """The highest level the token grants: its level claim, raised by its roles."""
    by_role = max((level for level, roles in ROLES_BY_LEVEL.items() if roles & set(actor.roles)), default=1)
    return max(actor.level, by_role)


@dataclass(frozen=True, slots=True)
class TokenRights:
    """The rights a token gives: its level, over any scope, never on behalf of anyone."""

    actor: Decider

    @property
    def person(self) -> str:
        return self.actor.subject

    @property
    def principals(self) -> tuple[str, ...]:
        return (self.actor.subject,)

    def authority(
        self, level: int, scope: DecisionScope, on_behalf_of: str | None = None
    ) -> Authority | Refusal:
        if on_behalf_of is not None and on_behalf_of != self.person:
            return Refusal(
                "approvals:substitute", f"{self.person} is not appointed substitute of {on_behalf_of}"
            )
        held = token_level(self.actor)
        if held < level:
            roles = " or ".join(sorted(ROLES_BY_LEVEL[level]))
            return Refusal(
                right_to_decide(level),
                f"deciding at level {level} needs the role {roles} or level {level}; "
                f"the caller holds level {held}",
            )
        return Authority(self.person, held, basis="token")

    def reaches(self) -> tuple[Reach, ...]:
        held = token_level(self.actor)
        return (Reach(self.person, held), Reach(None, held))


class TokenAuthorities:
    async def can_decide(
        self,
        actor: Decider,
        level: int,
        scope: DecisionScope,
        at: datetime,
        on_behalf_of: str | None = None,
        *,
        within: UnitOfWork | None = None,
    ) -> Authority | Refusal:
        return TokenRights(actor).authority(level, scope, on_behalf_of)

    async def rights(self, actor: Decider, at: datetime, *, within: UnitOfWork | None = None) -> TokenRights:
        return TokenRights(actor)
