"""The documents service's access policy: who may call each route (data), and whose documents
they may read.

Reads are for the staff and for those who check their work (quality, auditor, dpo), filtered
by need-to-know as intake's reads of requests (``events.service.access.read_scope``): a
document follows its request's team, and one outside the caller's reach answers 404; writing
is the staff's; templates are the organisation's wording, changed by a manager or above.
Transmission needs no higher right: the validation in force for the exact content is the gate.
"""

from enum import StrEnum
from typing import Any
from uuid import UUID

from documents.entrypoints.deps import DocumentsDep
from documents.entrypoints.problems import DocumentsRoute
from events.application.errors import NotFound
from events.service.access import AccessPolicy, at_least, described_route, only, read_scope
from events.service.auth import CurrentActor

STAFF = ("agent", "manager", "director")
READERS = (*STAFF, "quality", "auditor", "dpo")


class Permission(StrEnum):
    READ_DOCUMENTS = "documents:read"
    WRITE_DOCUMENTS = "documents:write"
    TRANSMIT_DOCUMENTS = "documents:transmit"
    RECORD_DELIVERY = "documents:record-delivery"
    READ_TEMPLATES = "documents:read-templates"
    DEFINE_TEMPLATES = "documents:define-templates"


POLICY = AccessPolicy(
    {
        Permission.READ_DOCUMENTS: only(
            *READERS,
            note="Only the documents of requests of the caller's teams (and of those no team owns "
            "yet); director, quality, auditor and dpo read across teams.",
        ),
        Permission.WRITE_DOCUMENTS: only(*STAFF, note="Draft, edit, issue, submit, record an acceptance."),
        Permission.TRANSMIT_DOCUMENTS: only(
            *STAFF, note="Refused (409) without a validation in force for the exact content."
        ),
        Permission.RECORD_DELIVERY: only(*STAFF, "ops", note="A letter posted, a delivery failed."),
        Permission.READ_TEMPLATES: only(*READERS),
        Permission.DEFINE_TEMPLATES: at_least(2, "manager", "director"),
    }
)

allow = POLICY.allow
AccessRoute = described_route(DocumentsRoute)


async def document_in_reach(
    document_id: UUID, actor: CurrentActor, documents: DocumentsDep
) -> dict[str, Any]:
    """The document's row, if the caller may read it; 404 otherwise (as if it did not exist)."""
    row = await documents.views.document(document_id, read_scope(actor))
    if row is None:
        raise NotFound("document", document_id)
    return row
