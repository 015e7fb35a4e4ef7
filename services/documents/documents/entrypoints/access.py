"""The documents service's access policy: who may call each route (data).

Reads are for the staff and for those who check their work (quality, auditor, dpo); writing
is the staff's; templates are the organisation's wording, changed by a manager or above.
Transmission needs no higher right: the validation in force for the exact content is the gate.
"""

from enum import StrEnum

from documents.entrypoints.problems import DocumentsRoute
from events.service.access import AccessPolicy, at_least, described_route, only

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
        Permission.READ_DOCUMENTS: only(*READERS),
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
