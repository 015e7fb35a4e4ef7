"""FastAPI dependencies of every service's command routes (``XDep`` aliases): If-Match, metadata.

All ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop (and
a GIL hand-over) per dependency per request, for functions that never block.
"""

from typing import Annotated

from fastapi import Depends, Header, Request

from events.envelope import Metadata
from events.service.auth import CurrentActor
from events.service.http import IF_MATCH_PATTERN, command_metadata, version_in
from events.service.problems import answers

__all__ = ["IfMatchDep", "MetadataDep", "get_metadata", "if_match"]


@answers(400, 412, 428)
async def if_match(
    if_match: Annotated[
        str,
        Header(
            description=(
                "The ETag (stream version) you read. Required: 428 without it, 400 if malformed, "
                "412 if stale."
            ),
            pattern=IF_MATCH_PATTERN,
            examples=['"1"'],
        ),
    ],
) -> int:
    """The version named by the required If-Match. Its absence (428) and a malformed value
    (400) are validation errors the kit's handler turns into those answers, so a malformed id
    or body in the same request is still the 422 (``events.service.problems``)."""
    return version_in(if_match)


IfMatchDep = Annotated[int, Depends(if_match)]


async def get_metadata(request: Request, actor: CurrentActor) -> Metadata:
    return command_metadata(request, actor)


MetadataDep = Annotated[Metadata, Depends(get_metadata)]
