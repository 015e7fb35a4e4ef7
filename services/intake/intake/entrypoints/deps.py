"""FastAPI dependencies of the intake routes (`XDep` aliases).

All `async def`: FastAPI runs a plain `def` dependency in its thread pool, a thread hop (and a
GIL hand-over) per dependency per request, for functions that never block.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from events.envelope import Metadata
from events.service.app import RuntimeDep
from events.service.auth import CurrentActor
from events.service.http import command_metadata, expected_version
from intake.adapters.views import IntakeViews
from intake.app.bus import IntakeBus
from intake.bootstrap import Intake, bootstrap
from intake.entrypoints.problems import field_problem


async def get_intake(runtime: RuntimeDep) -> Intake:
    return bootstrap(runtime)


IntakeDep = Annotated[Intake, Depends(get_intake)]


async def get_bus(intake: IntakeDep) -> IntakeBus:
    return intake.bus


async def get_views(intake: IntakeDep) -> IntakeViews:
    return intake.views


BusDep = Annotated[IntakeBus, Depends(get_bus)]
ViewsDep = Annotated[IntakeViews, Depends(get_views)]


async def if_match(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            description="The ETag (stream version) you read. Required: 428 without it, 412 if stale.",
        ),
    ] = None,
) -> int:
    return expected_version(request)  # type: ignore[return-value]


IfMatchDep = Annotated[int, Depends(if_match)]


async def get_metadata(request: Request, actor: CurrentActor) -> Metadata:
    return command_metadata(request, actor)


MetadataDep = Annotated[Metadata, Depends(get_metadata)]


def not_in_future(intake: Intake, field: str, value: datetime | None) -> None:
    """Refuse an instant beyond now plus the allowed clock skew (422 naming `field`)."""
    if value is not None and value > intake.clock.now() + intake.rules.clock_skew:
        raise field_problem(field, f"{field} is in the future")


def in_future(intake: Intake, field: str, value: datetime | None) -> None:
    """A deadline must be ahead of now (422 naming `field`)."""
    if value is not None and value <= intake.clock.now():
        raise field_problem(field, f"{field} must be in the future")
