"""Relances written from sla-clock's ``RelanceDue`` (docs/domain.md §8.5).

The subject carries the case number (« Suivi de votre demande n°DEM-… »); the body recalls the
date and subject of the original request, says why we write, exactly what is expected and by
when, and ends with the signature. ``kind`` is the schedule's: ``collection`` (mandatory
information missing at reception: the fields are listed), ``customer_response`` (the
customer missed the date of what we asked for: ``AwaitingCustomer.expected`` is recalled),
``informative`` (it takes longer than planned: nothing is expected, the next news is dated)
or ``validation`` (after the resolution: confirm the solution worked before the no-answer
closure, whose date is given).
The message goes through the outbox; ``RelanceSent`` is recorded when the mail server
accepts it, which is what sla-clock counts to arm the next step."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from documents.app.mail import Mail, MailIdentity, RequestFacts, compose
from events.catalogue import sla_clock as s

REPLY_WITHIN = {1: timedelta(days=3), 2: timedelta(days=5)}
"""The answer asked (or the next news promised) by: before the next step of the schedule (§8.2)."""
CLOSED_AFTER_RESOLUTION = timedelta(days=10)
"""A validation relance asks for the answer before the no-answer closure (§10.2)."""

FIELD_LABELS_FR = {"email": "votre adresse électronique", "phone": "votre numéro de téléphone"}


def relance_id_of(event: s.RelanceDue) -> UUID:
    """Stable per relance due: the same ``RelanceDue`` consumed again gives the same relance."""
    key = (
        f"guichet:relance:{event.request_id}:{event.kind}:{event.ordinal}:{event.customer_due_at.isoformat()}"
    )
    return uuid5(NAMESPACE_URL, key)


def relance_subject(reference: str, language: str) -> str:
    return (
        f"Suivi de votre demande n°{reference}"
        if language == "fr"
        else f"Follow-up on your request no. {reference}"
    )


def relance_text(event: s.RelanceDue, facts: RequestFacts, signature: str, now: datetime) -> str:
    reply_by = (now + REPLY_WITHIN.get(event.ordinal, REPLY_WITHIN[2])).date()
    if event.kind == "validation":
        reply_by = (event.customer_due_at + CLOSED_AFTER_RESOLUTION).date()
    if facts.language == "fr":
        about = f" (« {facts.subject} »)" if facts.subject else ""
        reminder = "Nous vous avons déjà écrit à ce sujet. " if event.ordinal > 1 else ""
        purpose, expected = _purpose_fr(event, facts, reply_by)
        return (
            f"Bonjour,\n\nLe {facts.received_at:%d/%m/%Y}, vous nous avez adressé la demande "
            f"n°{facts.reference}{about}.\n{reminder}{purpose}\n\n{expected}\n\n"
            f"Cordialement,\n{signature}\n"
        )
    about = f' ("{facts.subject}")' if facts.subject else ""
    reminder = "We have already written to you about it. " if event.ordinal > 1 else ""
    purpose, expected = _purpose_en(event, facts, reply_by)
    return (
        f"Hello,\n\nOn {facts.received_at:%Y-%m-%d} you sent us request no. {facts.reference}{about}.\n"
        f"{reminder}{purpose}\n\n{expected}\n\n"
        f"Kind regards,\n{signature}\n"
    )


def _purpose_fr(event: s.RelanceDue, facts: RequestFacts, by: date) -> tuple[str, str]:
    """Why we write, and what is expected of the customer and by when."""
    answer = f"Merci de nous répondre avant le {by:%d/%m/%Y}, simplement en répondant à ce message."
    if event.kind == "collection":
        missing = ", ".join(event.missing_fields)
        return f"Pour la traiter, il nous manque encore les informations suivantes : {missing}.", answer
    if event.kind == "informative":
        return (
            "Son traitement prend plus de temps que prévu : elle est toujours en cours auprès de nos "
            "équipes, qui ne l'oublient pas.",
            f"Vous n'avez rien à faire de votre côté. Nous vous donnerons de ses nouvelles au plus "
            f"tard le {by:%d/%m/%Y}.",
        )
    if event.kind == "validation":
        return (
            f"Le {event.customer_due_at:%d/%m/%Y}, nous vous avons apporté une solution. Avant de "
            "clôturer votre demande, nous voulons nous assurer qu'elle a bien réglé votre problème.",
            f"Merci de nous confirmer avant le {by:%d/%m/%Y}, simplement en répondant à ce message, "
            "que tout fonctionne, ou de nous dire ce qui ne va pas encore. Sans nouvelles de votre "
            "part à cette date, nous clôturerons la demande.",
        )
    expected = facts.expected or "votre réponse à notre dernier message"
    return f"Nous attendons toujours votre retour : {expected}.", answer


def _purpose_en(event: s.RelanceDue, facts: RequestFacts, by: date) -> tuple[str, str]:
    answer = f"Please answer by {by:%Y-%m-%d}, simply by replying to this message."
    if event.kind == "collection":
        missing = ", ".join(event.missing_fields)
        return f"To handle it, we still need the following information: {missing}.", answer
    if event.kind == "informative":
        return (
            "It is taking longer than planned: our teams are still working on it and have not forgotten it.",
            f"There is nothing you need to do. We will give you news of it by {by:%Y-%m-%d} at the latest.",
        )
    if event.kind == "validation":
        return (
            f"On {event.customer_due_at:%Y-%m-%d} we gave you a solution. Before closing your "
            "request, we want to make sure it solved your problem.",
            f"Please confirm by {by:%Y-%m-%d}, simply by replying to this message, that everything "
            "works, or tell us what still does not. Without news from you by then, we will close "
            "the request.",
        )
    expected = facts.expected or "your reply to our last message"
    return f"We are still waiting for your answer: {expected}.", answer


def prepare_relance(
    event: s.RelanceDue, facts: RequestFacts, identity: MailIdentity, now: datetime
) -> Mail | None:
    """The relance's email, or None when the customer has no email address (another channel)."""
    if not facts.email:
        return None
    relance_id = relance_id_of(event)
    message_id = f"<{facts.reference}.relance-{event.ordinal}.{relance_id}@{identity.domain}>"
    text = relance_text(event, facts, identity.signature, now)
    message = compose(
        identity,
        message_id,
        (facts.email,),
        relance_subject(facts.reference, facts.language),
        text,
        now,
        facts.reference,
    )
    details = {"relance_id": str(relance_id), "kind": event.kind, "ordinal": event.ordinal, "content": text}
    return Mail(
        message_id, "relance", identity.sender, (facts.email,), message, event.request_id, None, details
    )
