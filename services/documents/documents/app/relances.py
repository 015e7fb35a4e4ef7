"""Relances written from sla-clock's ``RelanceDue`` (docs/domain.md §8.5).

The subject carries the case number (« Suivi de votre demande n°DEM-… »); the body recalls the
date and subject of the original request, says why we write, exactly what is expected and by
when, and ends with the signature. ``kind`` is the schedule's: ``collection`` (mandatory
information missing at reception: the fields are listed) or ``customer_response`` (the
customer missed the date of what we asked for: ``AwaitingCustomer.expected`` is recalled).
The message goes through the outbox; ``RelanceSent`` is recorded when the mail server
accepts it, which is what sla-clock counts to arm the next step."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from documents.app.mail import Mail, MailIdentity, RequestFacts, compose
from events.catalogue import sla_clock as s

REPLY_WITHIN = {1: timedelta(days=3), 2: timedelta(days=5)}
"""The answer asked by: before the next step of the schedule (§8.2)."""

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
    missing = ", ".join(event.missing_fields)
    if facts.language == "fr":
        about = f" (« {facts.subject} »)" if facts.subject else ""
        if event.kind == "collection":
            purpose = f"Pour la traiter, il nous manque encore les informations suivantes : {missing}."
        else:
            expected = facts.expected or "votre réponse à notre dernier message"
            purpose = f"Nous attendons toujours votre retour : {expected}."
        reminder = "Nous vous avons déjà écrit à ce sujet. " if event.ordinal > 1 else ""
        return (
            f"Bonjour,\n\nLe {facts.received_at:%d/%m/%Y}, vous nous avez adressé la demande "
            f"n°{facts.reference}{about}.\n{reminder}{purpose}\n\n"
            f"Merci de nous répondre avant le {reply_by:%d/%m/%Y}, simplement en répondant à ce message.\n\n"
            f"Cordialement,\n{signature}\n"
        )
    about = f' ("{facts.subject}")' if facts.subject else ""
    if event.kind == "collection":
        purpose = f"To handle it, we still need the following information: {missing}."
    else:
        purpose = (
            f"We are still waiting for your answer: {facts.expected or 'your reply to our last message'}."
        )
    reminder = "We have already written to you about it. " if event.ordinal > 1 else ""
    return (
        f"Hello,\n\nOn {facts.received_at:%Y-%m-%d} you sent us request no. {facts.reference}{about}.\n"
        f"{reminder}{purpose}\n\n"
        f"Please answer by {reply_by:%Y-%m-%d}, simply by replying to this message.\n\n"
        f"Kind regards,\n{signature}\n"
    )


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
