"""Who may decide, from the bearer token alone: the default ``Authorities``.

Level 2 steps: the manager or director role, or a token level of 2 or more; level 3 steps:
the director role or level 3. No substitution is known here: deciding on behalf of someone
is refused. Recorded habilitations and substitutes replace this adapter.
"""

from __future__ import annotations

from datetime import datetime

from approvals.domain.authority import Authority, Decider, DecisionScope, Refusal, right_to_decide

ROLES_BY_LEVEL: dict[int, frozenset[str]] = {
    1: frozenset({"agent", "manager", "director"}),
    2: frozenset({"manager", "director"}),
    3: frozenset({"director"}),
}


def token_level(actor: Decider) -> int:
    """The highest level the token grants: its level claim, raised by its roles."""
    by_role = max((level for level, roles in ROLES_BY_LEVEL.items() if roles & set(actor.roles)), default=1)
    return max(actor.level, by_role)


class TokenAuthorities:
    async def can_decide(
        self,
        actor: Decider,
        level: int,
        scope: DecisionScope,
        at: datetime,
        on_behalf_of: str | None = None,
    ) -> Authority | Refusal:
        if on_behalf_of is not None and on_behalf_of != actor.subject:
            return Refusal(
                "approvals:substitute",
                f"{actor.subject} is not appointed substitute of {on_behalf_of}",
            )
        held = token_level(actor)
        if held < level:
            roles = " or ".join(sorted(ROLES_BY_LEVEL[level]))
            return Refusal(
                right_to_decide(level),
                f"deciding at level {level} needs the role {roles} or level {level}; "
                f"the caller holds level {held}",
            )
        return Authority(actor.subject, held, basis="token")

    async def inbox_level(self, actor: Decider, at: datetime) -> int:
        return token_level(actor)
