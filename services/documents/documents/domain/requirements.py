"""The mandatory fields of each kind of document (docs/domain.md §13), as data.

A path names a field of the document's ``content``: ``customer.address`` is the ``address``
of the ``customer`` object. Each list is what a document of that kind cannot go without;
:mod:`documents.domain.content` reports every one that is missing, together.
"""

from documents.domain.kinds import DocumentKind, Profile

PARTY = ("customer.name", "customer.address")
LINE_FIELDS = ("description", "quantity", "unit_price", "vat_rate")
SIGNATURE = ("signature.name", "signature.role", "signature.contact")

REQUIRED: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.QUOTE: (*PARTY, "lines", "validity_days", "payment_terms", "delivery_delay"),
    DocumentKind.AMENDMENT: (*PARTY, "amends", "changes", "lines", "payment_terms", "delivery_delay"),
    DocumentKind.ORDER_CONFIRMATION: (
        *PARTY,
        "order_reference",
        "lines",
        "tariff_conditions",
        "delivery.date",
        "delivery.mode",
        "delivery.address",
        "delivery.instructions",
        "payment_terms",
    ),
    DocumentKind.RESPONSE_LETTER: (
        *PARTY,
        "file_reference",
        "introduction",
        "body",
        "conclusion",
        *SIGNATURE,
    ),
    DocumentKind.STATUS_MESSAGE: ("customer.name", "step", "next_action", "next_update_at"),
    DocumentKind.DELAY_NOTICE: (
        "customer.name",
        "acknowledgement",
        "cause",
        "action",
        "new_estimate",
        "next_update_at",
        *SIGNATURE,
    ),
    DocumentKind.TICKET_SUMMARY: (
        "summary",
        "priority",
        "priority_reason",
        "last_action",
        "in_progress",
        "next_step",
        "owner",
        "next_update_at",
    ),
    DocumentKind.INTERVENTION_REPORT: (
        "what_happened",
        "what_was_done",
        "result",
        "prevention",
        "follow_up",
    ),
}

#: What a business customer's quote, amendment or order confirmation adds: its identifiers
#: (the seller's, late penalties and the recovery indemnity come from the organisation).
BUSINESS_REQUIRED = ("customer.siret", "customer.vat_number")

#: Optional fields each kind knows (templates may use them; other keys are refused).
OPTIONAL: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.QUOTE: ("customer.siret", "customer.vat_number", "customer.email", "notes"),
    DocumentKind.AMENDMENT: ("customer.siret", "customer.vat_number", "customer.email", "notes"),
    DocumentKind.ORDER_CONFIRMATION: ("customer.siret", "customer.vat_number", "customer.email", "notes"),
    DocumentKind.RESPONSE_LETTER: ("customer.email",),
    DocumentKind.STATUS_MESSAGE: ("blocker",),
    DocumentKind.DELAY_NOTICE: ("compensation",),
    DocumentKind.TICKET_SUMMARY: ("blocked_by", "workaround"),
    DocumentKind.INTERVENTION_REPORT: (),
}

INTERVENTION_RESULTS = ("restored", "partial", "to_watch")


def required_fields(kind: DocumentKind, profile: Profile) -> tuple[str, ...]:
    fields = REQUIRED[kind]
    if profile is Profile.B2B and kind.has_lines:
        fields = (*fields, *BUSINESS_REQUIRED)
    return fields


def minimum_level(kind: DocumentKind, content: dict[str, object]) -> int:
    """The lowest approval level the document needs (docs/domain.md §12.1); approvals may ask
    more. Amendments are level 3; a delay notice offering compensation level 2."""
    if kind is DocumentKind.AMENDMENT:
        return 3
    if kind is DocumentKind.DELAY_NOTICE and content.get("compensation"):
        return 2
    return 1
