"""An approver's inbox: the waiting steps they may decide now (issue 12, "Circuits").

A step is in the inbox when the decision would be accepted: the caller's rights give an
authority for its level and scope (teams, kinds, amount ceiling, validity, substitutions in
force: ``DecisionRights.authority``, the answer ``DecideApproval`` checks), used for the
approver the step waits for, and never on the author's own content."""

from __future__ import annotations

from dataclasses import dataclass

from approvals.domain.authority import Authority, DecisionRights, DecisionScope
from events.catalogue.approvals import Money

__all__ = ["WaitingStep", "may_take"]


@dataclass(frozen=True, slots=True)
class WaitingStep:
    """A pending step as the inbox holds it: ``approver`` names the person it waits for, None
    when anyone of ``level`` may take it."""

    approver: str | None
    level: int
    kind: str
    team: str | None
    amounts: tuple[Money, ...]
    author: str


def may_take(rights: DecisionRights, waiting: WaitingStep) -> Authority | None:
    """The authority by which ``rights`` decide ``waiting`` now, None when a decision would be
    refused. A step waiting for an absent approver is decided on their behalf."""
    on_behalf_of = waiting.approver if waiting.approver != rights.person else None
    scope = DecisionScope(waiting.kind, waiting.team, waiting.amounts)
    answer = rights.authority(waiting.level, scope, on_behalf_of)
    if not isinstance(answer, Authority) or answer.level < waiting.level:
        return None
    if waiting.approver is not None and answer.principal != waiting.approver:
        return None
    if waiting.author in (answer.person, answer.principal):
        return None
    return answer
