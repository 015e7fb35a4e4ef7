"""Relance (follow-up) schedule when the customer misses a deadline (DOMAIN.md §6, seed 002).

Seed 002: "1ère relance : 24 à 48h après l'échéance ; 2ème relance : 3 à 5 jours après la
1ère ; escalade ou clôture : après 10 jours sans réponse", and "en l'absence de réponse après
deux tentatives, le dossier doit être escaladé ou clos". Hence:

* FIRST_RELANCE: due at customer deadline + 24 h, latest + 48 h.
* SECOND_RELANCE: due at first relance *sent* + 3 days, latest + 5 days.
* ESCALATE_OR_CLOSE: due at first relance sent + 10 days, and never before the second relance
  was sent. Anchor: the first relance, because "10 days without an answer" counts the silence
  that follows our first request (before it the customer was merely late); with the default
  windows this lands 5–7 days after the second relance, leaving the customer time to answer it.

Days are clock days of 24 hours (the seed says "jours", not "jours ouvrés"). The schedule
stops as soon as the customer answers: the caller then stops asking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .instants import to_utc


class RelanceAction(StrEnum):
    FIRST_RELANCE = "first_relance"
    SECOND_RELANCE = "second_relance"
    ESCALATE_OR_CLOSE = "escalate_or_close"


@dataclass(frozen=True)
class RelanceRules:
    first_due: timedelta = timedelta(hours=24)
    first_latest: timedelta = timedelta(hours=48)
    second_due: timedelta = timedelta(days=3)
    second_latest: timedelta = timedelta(days=5)
    escalate_after_first: timedelta = timedelta(days=10)

    def __post_init__(self) -> None:
        if not (
            timedelta(0) <= self.first_due <= self.first_latest
            and timedelta(0) < self.second_due <= self.second_latest
        ):
            raise ValueError("each relance window must satisfy 0 <= due <= latest")


@dataclass(frozen=True)
class NextRelance:
    action: RelanceAction
    due_at: datetime  # UTC: the action should be taken from this instant
    latest_at: datetime  # UTC: after this instant the schedule is late


DEFAULT_RELANCE_RULES = RelanceRules()


def next_relance(
    customer_due_at: datetime,
    relances_sent_at: Sequence[datetime] = (),
    rules: RelanceRules = DEFAULT_RELANCE_RULES,
) -> NextRelance:
    """Next action for a request whose customer missed ``customer_due_at`` and has not
    answered the relances sent so far (any order; only the first two matter).

    Once two relances are sent the answer stays ESCALATE_OR_CLOSE until the caller acts."""
    due = to_utc(customer_due_at)
    sent = sorted(to_utc(at) for at in relances_sent_at)
    if not sent:
        return NextRelance(
            RelanceAction.FIRST_RELANCE, due + rules.first_due, due + rules.first_latest
        )
    first = sent[0]
    if len(sent) == 1:
        return NextRelance(
            RelanceAction.SECOND_RELANCE, first + rules.second_due, first + rules.second_latest
        )
    escalate = max(first + rules.escalate_after_first, sent[1])
    return NextRelance(RelanceAction.ESCALATE_OR_CLOSE, escalate, escalate)
