"""FastAPI dependencies of the approvals routes."""

from typing import Annotated

from fastapi import Depends

from approvals.bootstrap import Approvals, bootstrap
from approvals.domain.authority import Decider
from events.service.app import RuntimeDep
from events.service.auth import CurrentActor


async def get_approvals(runtime: RuntimeDep) -> Approvals:
    return bootstrap(runtime)


ApprovalsDep = Annotated[Approvals, Depends(get_approvals)]


async def get_decider(actor: CurrentActor) -> Decider:
    return Decider(subject=actor.subject, roles=actor.roles, level=actor.level, teams=actor.teams)


DeciderDep = Annotated[Decider, Depends(get_decider)]
