"""Who gives a satisfaction answer, and through what (docs/domain.md §11).

The customer answers through the survey link sent at resolution: the token's nonce is kept
with the answer, and a token answers once. An agent may only write down an answer the
customer gave by phone, marked as such.
"""

from dataclasses import dataclass
from enum import StrEnum

from intake.domain.errors import SatisfactionRefused


class SatisfactionSource(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


@dataclass(frozen=True)
class Respondent:
    source: SatisfactionSource
    channel: str
    survey_nonce: str | None = None

    def __post_init__(self) -> None:
        if self.source is SatisfactionSource.CUSTOMER and (self.channel != "survey" or not self.survey_nonce):
            raise SatisfactionRefused("a customer answers through a survey token")
        if self.source is SatisfactionSource.AGENT and (self.channel != "phone" or self.survey_nonce):
            raise SatisfactionRefused("an agent only records an answer the customer gave by phone")


#: An agent writing down what the customer said on the phone.
BY_PHONE = Respondent(SatisfactionSource.AGENT, "phone")


def through_survey(nonce: str) -> Respondent:
    """The customer, answering with the survey token whose nonce is ``nonce``."""
    return Respondent(SatisfactionSource.CUSTOMER, "survey", nonce)


class SurveyAlreadyAnswered(SatisfactionRefused):
    """A survey token answers once."""

    code = "survey_token_used"
