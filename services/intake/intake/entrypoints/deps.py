"""FastAPI dependencies of the intake routes (`XDep` aliases); If-Match and metadata come from
the kit (`events.service.deps`).

All `async def`: FastAPI runs a plain `def` dependency in its thread pool, a thread hop (and a
GIL hand-over) per dependency per request, for functions that never block.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from events.service.app import RuntimeDep
from events.service.http import field_problem
from intake.adapters.views import IntakeViews
from intake.bootstrap import Intake, bootstrap


async def get_intake(runtime: RuntimeDep) -> Intake:
    return bootstrap(runtime)


IntakeDep = Annotated[Intake, Depends(get_intake)]


async def get_views(intake: IntakeDep) -> IntakeViews:
    return intake.views


ViewsDep = Annotated[IntakeViews, Depends(get_views)]


def not_in_future(intake: Intake, field: str, value: datetime | None) -> None:
    """Refuse an instant beyond now plus the allowed clock skew (422 naming `field`)."""
    if value is not None and value > intake.clock.now() + intake.rules.clock_skew:
        raise field_problem(field, f"{field} is in the future")


def in_future(intake: Intake, field: str, value: datetime | None) -> None:
    """A deadline must be ahead of now (422 naming `field`)."""
    if value is not None and value <= intake.clock.now():
        raise field_problem(field, f"{field} must be in the future")
