"""Satisfaction from the customer (docs/domain.md §11): through a survey token once, or
written down by an agent from a phone call; the respondent is marked on the event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.catalogue import intake as ev
from events.vocabulary import Channel
from intake.domain.errors import SatisfactionRefused
from intake.domain.missing_info import RequestDraft
from intake.domain.request import ServiceRequest
from intake.domain.satisfaction import (
    BY_PHONE,
    Respondent,
    SatisfactionSource,
    SurveyAlreadyAnswered,
    through_survey,
)
from intake.domain.vocabulary import CustomerProfile, Impact, Urgency, Workaround

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def resolved() -> ServiceRequest:
    draft = RequestDraft(
        contact="a@exemple.fr", channel=Channel.EMAIL, subject="Panne", description="Plus de service"
    )
    request = ServiceRequest.receive(uuid4(), "DEM-2026-000001", draft, NOW - timedelta(hours=1))
    request.acknowledge(NOW)
    request.qualify("billing", CustomerProfile.B2C, Impact.MEDIUM, Urgency.LOW, Workaround.AVAILABLE, NOW)
    request.resolve("avoir", NOW)
    request.pending.clear()
    return request


def last_answer(request: ServiceRequest) -> ev.SatisfactionRecorded:
    event = request.pending[-1]
    assert isinstance(event, ev.SatisfactionRecorded)
    return event


def test_the_customers_answer_through_a_survey_carries_the_tokens_nonce() -> None:
    request = resolved()
    request.record_satisfaction(5, 9, "Merci", NOW, through_survey("n1"))
    event = last_answer(request)
    assert (event.csat, event.nps, event.source, event.channel, event.survey_nonce) == (
        5,
        9,
        "customer",
        "survey",
        "n1",
    )


def test_a_survey_token_answers_once_even_after_the_state_is_folded_again() -> None:
    request = resolved()
    request.record_satisfaction(4, None, None, NOW, through_survey("n1"))
    replayed = ServiceRequest(request.id)
    for event in request.pending:
        replayed._apply(event)
    assert replayed.survey_nonces_used == {"n1"}
    with pytest.raises(SurveyAlreadyAnswered):
        request.record_satisfaction(1, None, None, NOW, through_survey("n1"))


def test_an_agent_records_what_the_customer_said_by_phone_marked_as_such() -> None:
    request = resolved()
    request.record_satisfaction(3, None, None, NOW)
    event = last_answer(request)
    assert (event.source, event.channel, event.survey_nonce) == ("agent", "phone", None)
    with pytest.raises(SatisfactionRefused, match="already recorded"):
        request.record_satisfaction(None, 8, None, NOW, through_survey("n2"))


@pytest.mark.parametrize(
    ("source", "channel", "nonce"),
    [
        (SatisfactionSource.AGENT, "email", None),
        (SatisfactionSource.AGENT, "phone", "n1"),
        (SatisfactionSource.CUSTOMER, "survey", None),
        (SatisfactionSource.CUSTOMER, "phone", "n1"),
    ],
)
def test_only_a_phone_answer_by_an_agent_or_a_survey_answer_by_the_customer(
    source: SatisfactionSource, channel: str, nonce: str | None
) -> None:
    with pytest.raises(SatisfactionRefused):
        Respondent(source, channel, nonce)
    assert BY_PHONE == Respondent(SatisfactionSource.AGENT, "phone")
