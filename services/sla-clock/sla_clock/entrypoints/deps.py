"""Dependencies of the SLA clock's routes: the running service, typed (who may call what: `access`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from events.service.app import RuntimeDep
from events.service.problems import Problem, answers
from sla_clock.bootstrap import SlaService, running


@answers(503)
def sla_service(runtime: RuntimeDep) -> SlaService:
    sla = running(runtime)
    if sla is None:
        raise Problem(503, "not-ready", "The SLA clock is starting")
    return sla


SlaDep = Annotated[SlaService, Depends(sla_service)]
