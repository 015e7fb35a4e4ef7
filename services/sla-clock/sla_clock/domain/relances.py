"""Relance (follow-up) schedule when the customer misses a deadline (docs/domain.md §8.2).

The sources, quoted in §8.2: "1ère relance : 24 à 48h après l'échéance ; 2ème relance : 3 à 5
jours après la 1ère ; escalade ou clôture : après 10 jours sans réponse", and "en l'absence de
réponse après deux tentatives, le dossier doit être escaladé ou clos". Hence:

* FIRST_RELANCE: due at customer deadline + 24 h, latest + 48 h.
* SECOND_RELANCE: due at first relance *sent* + 3 days, latest + 5 days.
* ESCALATE_OR_CLOSE: due at first relance sent + 10 days, and never before the second relance
  was sent. Anchor: the first relance, because "10 days without an answer" counts the silence
  that follows our first request (before it the customer was merely late); with the default
  windows this lands 5–7 days after the second relance, leaving the customer time to answer it.

Days are clock days of 24 hours (the seed says "jours", not "jours ouvrés"). The schedule
stops as soon as the customer answers: the caller then stops asking.

Collection relances (``next_collection_relance``): a request received with mandatory
information missing is accepted and flagged (docs/domain.md §1.3), and that information must be
collected from the customer (docs/domain.md §8.3, "relance de collecte"). Decision:

* the information was due *at reception* (mandatory fields are enforced at entry), so the
  reception instant is the missed deadline the §8.2 schedule counts from;
* FIRST collection relance: due 1 business day after reception, latest 2 business days after
  (``collection_first_due`` / ``collection_first_latest``, business time on the policy's
  business calendar, a business day being the policy's ``BUSINESS_DAY`` of 7 h). This is the
  "24–48 h after the deadline" window carried onto the business calendar the SLA targets
  already use, the way the policy carries "2 business days" (14 business hours): received
  Monday 10:00 (Paris) -> due Tuesday 10:00, latest Wednesday 10:00; received Friday 15:00
  -> due Monday 15:00, never on a weekend, a holiday or at night, when nobody can send it
  (a clock-time 24 h would fall due on Saturday). No cut-off: it is "the same time, next
  business day";
* SECOND relance and ESCALATE_OR_CLOSE: exactly the rules above (3–5 clock days after the
  first collection relance was *sent*, escalate or close 10 days after it), since from then
  on it is the customer's silence that is measured, as for any relance.

The caller stops the schedule once nothing is missing any more (or the request is resolved
or closed).

Informative relances (``next_informative_relance``, docs/domain.md §8.1 and its decision in
§8): progress news when the request takes longer than planned. The first is due when the
resolution deadline passes while the request is open and not waiting on the customer, at the
latest 1 business day after; the second 3–5 days after the first was sent (the §8.2 windows);
then the schedule ends: further news is the agent's delay notice (§6.6).

Validation relances (``next_validation_relance``): after a resolution, ask the customer to
confirm the solution worked before closing. The first is due 2 business days after the
resolution (latest 3), the second 3–5 days after the first was sent, and escalate-or-close
10 days after the resolution (the no-answer timeout of §10.2), never before the second was
sent. The caller stops once the request is closed or reopened, or the customer wrote after
the resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .business_calendar import BusinessCalendar
from .instants import to_utc
from .policy import BUSINESS_DAY


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
    # Business time (see the module docstring): 1–2 business days after reception.
    collection_first_due: timedelta = BUSINESS_DAY
    collection_first_latest: timedelta = 2 * BUSINESS_DAY
    informative_first_latest: timedelta = BUSINESS_DAY
    validation_first_due: timedelta = 2 * BUSINESS_DAY
    validation_first_latest: timedelta = 3 * BUSINESS_DAY
    close_after_resolution: timedelta = timedelta(days=10)

    def __post_init__(self) -> None:
        if not (
            timedelta(0) <= self.first_due <= self.first_latest
            and timedelta(0) < self.second_due <= self.second_latest
            and timedelta(0) <= self.collection_first_due <= self.collection_first_latest
            and timedelta(0) <= self.informative_first_latest
            and timedelta(0) <= self.validation_first_due <= self.validation_first_latest
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
        return NextRelance(RelanceAction.FIRST_RELANCE, due + rules.first_due, due + rules.first_latest)
    first = sent[0]
    if len(sent) == 1:
        return NextRelance(
            RelanceAction.SECOND_RELANCE, first + rules.second_due, first + rules.second_latest
        )
    escalate = max(first + rules.escalate_after_first, sent[1])
    return NextRelance(RelanceAction.ESCALATE_OR_CLOSE, escalate, escalate)


def next_collection_relance(
    received_at: datetime,
    calendar: BusinessCalendar,
    relances_sent_at: Sequence[datetime] = (),
    rules: RelanceRules = DEFAULT_RELANCE_RULES,
) -> NextRelance:
    """Next action to collect the mandatory information missing from a request received at
    ``received_at``, given the collection relances sent so far (see the module docstring):
    the first counts in business time on ``calendar`` from reception, the next ones follow
    ``next_relance`` from the first one sent."""
    received = to_utc(received_at)
    if relances_sent_at:
        return next_relance(received, relances_sent_at, rules)
    return NextRelance(
        RelanceAction.FIRST_RELANCE,
        calendar.add_business_time(received, rules.collection_first_due),
        calendar.add_business_time(received, rules.collection_first_latest),
    )


def next_informative_relance(
    resolution_due_at: datetime,
    calendar: BusinessCalendar,
    relances_sent_at: Sequence[datetime] = (),
    rules: RelanceRules = DEFAULT_RELANCE_RULES,
) -> NextRelance | None:
    """Next progress news for an open request whose resolution was due at
    ``resolution_due_at``, given the informative relances sent since; None once two were sent."""
    due = to_utc(resolution_due_at)
    sent = sorted(to_utc(at) for at in relances_sent_at)
    if not sent:
        return NextRelance(
            RelanceAction.FIRST_RELANCE, due, calendar.add_business_time(due, rules.informative_first_latest)
        )
    if len(sent) == 1:
        return NextRelance(
            RelanceAction.SECOND_RELANCE, sent[0] + rules.second_due, sent[0] + rules.second_latest
        )
    return None


def next_validation_relance(
    resolved_at: datetime,
    calendar: BusinessCalendar,
    relances_sent_at: Sequence[datetime] = (),
    rules: RelanceRules = DEFAULT_RELANCE_RULES,
) -> NextRelance:
    """Next step to have the customer confirm the resolution of ``resolved_at``, given the
    validation relances sent since (see the module docstring)."""
    resolved = to_utc(resolved_at)
    sent = sorted(to_utc(at) for at in relances_sent_at)
    if not sent:
        return NextRelance(
            RelanceAction.FIRST_RELANCE,
            calendar.add_business_time(resolved, rules.validation_first_due),
            calendar.add_business_time(resolved, rules.validation_first_latest),
        )
    if len(sent) == 1:
        return NextRelance(
            RelanceAction.SECOND_RELANCE, sent[0] + rules.second_due, sent[0] + rules.second_latest
        )
    close = max(resolved + rules.close_after_resolution, sent[1])
    return NextRelance(RelanceAction.ESCALATE_OR_CLOSE, close, close)
