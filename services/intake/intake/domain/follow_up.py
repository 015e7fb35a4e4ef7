"""Decisions around the work on a request: interactions, escalation, satisfaction
(docs/domain.md §1.4, §7.2, §11).

Part of the request aggregate (`request.ServiceRequest` inherits them); kept apart because
none of them moves the request through its lifecycle.
"""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from events.catalogue import intake as ev
from events.vocabulary import Channel
from intake.domain.errors import EscalationRefused, SatisfactionRefused
from intake.domain.insistence import mentions_insistence
from intake.domain.lifecycle import OPEN_STATUSES
from intake.domain.problems import is_blank
from intake.domain.request_state import RequestState
from intake.domain.satisfaction import BY_PHONE, Respondent, SurveyAlreadyAnswered
from intake.domain.vocabulary import PriorityCriterion


class InteractionKind(StrEnum):
    """What an interaction is, when it counts elsewhere: said explicitly, never guessed from
    its subject."""

    RELANCE = "relance"
    """A follow-up sent to the customer (docs/domain.md §8): counts in the relance schedule."""


class RequestFollowUp(RequestState):
    def record_interaction(
        self,
        interaction_id: UUID,
        channel: Channel,
        direction: str,
        subject: str,
        summary: str,
        occurred_at: datetime,
        actions: str | None = None,
        next_step: str | None = None,
        informs_customer: bool = False,
        kind: InteractionKind | None = None,
    ) -> None:
        """Every call, email, visit, chat or letter is recorded, whatever the status (docs/domain.md §1.4).
        `kind` says what it is when it counts elsewhere: a relance counts in the relance schedule (§8.4)."""
        self.record(
            ev.InteractionRecorded(
                request_id=self.id,
                interaction_id=interaction_id,
                channel=channel.value,
                direction=direction,
                subject=subject,
                summary=summary,
                actions=actions,
                next_step=next_step,
                occurred_at=occurred_at,
                informs_customer=informs_customer,
                kind=None if kind is None else kind.value,
            )
        )

    def escalate(self, to: str, criterion: PriorityCriterion, reason: str, at: datetime) -> None:
        """Only when an objective criterion changed, and the decision is documented (docs/domain.md §7.2)."""
        if self.status not in OPEN_STATUSES:
            raise EscalationRefused(f"the request is {self.status.value}: nothing to escalate")
        if is_blank(reason):
            raise EscalationRefused(f"explain what changed in {criterion.value}")
        if mentions_insistence(reason):
            raise EscalationRefused("the customer's insistence is not a reason to escalate")
        self.record(
            ev.RequestEscalated(
                request_id=self.id,
                to=to,
                criterion=criterion.value,
                reason=reason.strip(),
                at=at,
            )
        )

    def take_escalation(self, by: str, at: datetime) -> None:
        if self.escalated_to is None:
            raise EscalationRefused("the request is not escalated")
        if self.escalation_taken_by is not None:
            raise EscalationRefused(f"the escalation was already taken by {self.escalation_taken_by}")
        self.record(ev.EscalationTaken(request_id=self.id, by=by, at=at))

    def record_satisfaction(
        self,
        csat: int | None,
        nps: int | None,
        comment: str | None,
        at: datetime,
        respondent: Respondent = BY_PHONE,
    ) -> None:
        """CSAT 1-5 and/or NPS 0-10, once, after resolution, from the customer (docs/domain.md §11)."""
        if respondent.survey_nonce is not None and respondent.survey_nonce in self.survey_nonces_used:
            raise SurveyAlreadyAnswered("this survey link was already used")
        if self.resolved_at is None and self.closed_at is None:
            raise SatisfactionRefused("satisfaction is measured after resolution")
        if self.satisfaction_recorded:
            raise SatisfactionRefused("satisfaction was already recorded for this request")
        if csat is None and nps is None:
            raise SatisfactionRefused("give a CSAT score, an NPS score, or both")
        if (csat is not None and not 1 <= csat <= 5) or (nps is not None and not 0 <= nps <= 10):
            raise SatisfactionRefused("CSAT is 1-5 and NPS 0-10")
        self.record(
            ev.SatisfactionRecorded(
                request_id=self.id,
                csat=csat,
                nps=nps,
                comment=comment,
                at=at,
                source=respondent.source.value,
                channel=respondent.channel,
                survey_nonce=respondent.survey_nonce,
            )
        )
