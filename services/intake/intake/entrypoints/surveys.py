"""Satisfaction from the customer (docs/domain.md §11): staff read the survey link of a
resolved request (the documents service sends it), and the customer answers with it.

``POST /surveys/{token}`` takes no bearer token: the signed survey token in the path is the
credential (``events.service.survey``). A forged token is a 401, an expired one a 410, a used
one a 409, each problem+json.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from events.service.auth import Actor, checks_credential
from events.service.http import command_metadata
from events.service.problems import Problem, answers
from events.service.survey import (
    MAX_TOKEN_LENGTH,
    SurveyToken,
    forged_survey_token,
    read_survey_token,
    survey_signer,
)
from intake.app import commands as c
from intake.entrypoints import request_schemas as s
from intake.entrypoints.access import AccessRoute, Permission, RequestInReach, allow
from intake.entrypoints.deps import IntakeDep

router = APIRouter(tags=["satisfaction surveys"], route_class=AccessRoute)

#: Who the audit trail names for an answer given through a survey link.
CUSTOMER = Actor(subject="customer")


def _forged(request: Request) -> Problem | None:
    return forged_survey_token(request.app.state.settings, str(request.path_params.get("token", "")))


@answers(401, 410, 503)
@checks_credential(_forged)
async def survey_token(
    token: Annotated[
        str,
        Path(
            max_length=MAX_TOKEN_LENGTH,
            description="The survey token sent to the customer: it is the credential, and it answers once.",
        ),
    ],
    request: Request,
    intake: IntakeDep,
) -> SurveyToken:
    return read_survey_token(request.app.state.settings, token, intake.clock.now())


def resolution_of(row: dict[str, Any]) -> Any:
    """When the request was resolved (or closed without a resolution); 409 while it is open."""
    moment = row["resolved_at"] or row["closed_at"]
    if moment is None:
        raise Problem(
            409,
            "not-resolved",
            "Not resolved",
            "a survey link exists once the request is resolved",
        )
    return moment


@router.get(
    "/requests/{request_id}/survey-link",
    summary="The customer's satisfaction-survey link of a resolved request",
    dependencies=[allow(Permission.READ_SURVEY_LINK)],
    responses={409: {"description": "The request is not resolved"}},
)
async def survey_link(request: Request, row: RequestInReach) -> s.SurveyLinkRead:
    signer = survey_signer(request.app.state.settings)
    token, named = signer.issue(row["request_id"], resolution_of(row))
    return s.SurveyLinkRead(
        request_id=named.request_id, token=token, path=f"/surveys/{token}", expires_at=named.expires_at
    )


@router.post(
    "/surveys/{token}",
    summary="The customer answers the satisfaction survey (CSAT 1-5 and/or NPS 0-10)",
    description="No bearer token: the survey token in the path is the credential. It answers once "
    "(409 after), until it expires (410); a token this service did not sign is a 401.",
    responses={
        401: {"description": "Not a survey token of this service"},
        409: {"description": "The link was already used, or satisfaction already recorded"},
        410: {"description": "The survey closed"},
    },
)
async def answer_survey(
    body: s.SurveyAnswerCreate,
    named: Annotated[SurveyToken, Depends(survey_token)],
    request: Request,
    intake: IntakeDep,
) -> s.SurveyAnswerRead:
    await intake.bus.handle(
        c.AnswerSurvey(
            request_id=named.request_id,
            survey_nonce=named.nonce,
            metadata=command_metadata(request, CUSTOMER),
            csat=body.csat,
            nps=body.nps,
            comment=body.comment,
        )
    )
    return s.SurveyAnswerRead(request_id=named.request_id, csat=body.csat, nps=body.nps)
