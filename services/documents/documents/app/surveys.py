"""The satisfaction survey sent at resolution (docs/domain.md §11): the link carries the signed,
single-use, expiring token intake reads back on ``POST /surveys/{token}``. The token is the
one intake's staff endpoint gives for the same resolution (same key, request and instant)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, uuid5

from documents.app.mail import Mail, MailIdentity, RequestFacts, compose, request_subject


def prepare_survey(
    facts: RequestFacts, resolved_at: datetime, link: str, identity: MailIdentity, now: datetime
) -> Mail | None:
    if not facts.email:
        return None
    survey_id = uuid5(NAMESPACE_URL, f"guichet:survey:{facts.request_id}:{resolved_at.isoformat()}")
    message_id = f"<{facts.reference}.survey.{survey_id}@{identity.domain}>"
    if facts.language == "fr":
        subject = request_subject("Votre avis sur notre réponse", facts.reference, "fr")
        text = (
            f"Bonjour,\n\nVotre demande n°{facts.reference} est résolue. Votre avis nous aide : "
            f"deux questions, une minute.\n\n{link}\n\nCe lien est personnel, valable 30 jours et "
            f"pour une seule réponse.\n\nCordialement,\n{identity.signature}\n"
        )
    else:
        subject = request_subject("How did we do?", facts.reference, "en")
        text = (
            f"Hello,\n\nYour request no. {facts.reference} is resolved. Your opinion helps us: two "
            f"questions, one minute.\n\n{link}\n\nThis link is personal, valid for 30 days and for "
            f"one answer.\n\nKind regards,\n{identity.signature}\n"
        )
    message = compose(identity, message_id, (facts.email,), subject, text, now, facts.reference)
    return Mail(message_id, "survey", identity.sender, (facts.email,), message, facts.request_id)
