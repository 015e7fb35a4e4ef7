"""FastAPI dependencies of every service's command routes (``XDep`` aliases): If-Match, metadata.

All ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop (and
a GIL hand-over) per dependency per request, for functions that never block.
"""

from typing import Annotated

from fastapi import Depends, Header, Request

from events.envelope import Metadata
from events.service.auth import CurrentActor
from events.service.http import command_metadata, expected_version

__all__ = ["IfMatchDep", "MetadataDep", "get_metadata", "if_match"]


async def if_match(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            description="The ETag (stream version) you read. Required: 428 without it, 412 if stale.",
        ),
    ] = None,
) -> int:
    """The version named by the required If-Match (428 without it, 412 if malformed)."""
    version = expected_version(request)
    assert version is not None  # required: absent is a 428
    return version


IfMatchDep = Annotated[int, Depends(if_match)]


async def get_metadata(request: Request, actor: CurrentActor) -> Metadata:
    return command_metadata(request, actor)


MetadataDep = Annotated[Metadata, Depends(get_metadata)]
