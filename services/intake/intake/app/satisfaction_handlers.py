"""The customer's own satisfaction answer, through the survey link (docs/domain.md §11)."""

from intake.app import commands as c
from intake.app.ports import Clock, UnitOfWork
from intake.app.rules import IntakeRules
from intake.domain.request import ServiceRequest
from intake.domain.satisfaction import through_survey


async def answer_survey(
    cmd: c.AnswerSurvey, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> ServiceRequest:
    async with uow:
        request = await uow.requests.get(cmd.request_id)
        request.record_satisfaction(
            cmd.csat, cmd.nps, cmd.comment, clock.now(), through_survey(cmd.survey_nonce)
        )
        await uow.commit(cmd.metadata)
    return request
