"""Document kinds, customer profiles, channels, and the number series of each kind."""

from enum import StrEnum


class DocumentKind(StrEnum):
    QUOTE = "quote"
    AMENDMENT = "amendment"
    ORDER_CONFIRMATION = "order_confirmation"
    RESPONSE_LETTER = "response_letter"
    STATUS_MESSAGE = "status_message"
    DELAY_NOTICE = "delay_notice"
    TICKET_SUMMARY = "ticket_summary"
    INTERVENTION_REPORT = "intervention_report"

    @property
    def series_prefix(self) -> str:
        """Numbers read ``<prefix>-<year>-<sequence>``: one gap-free series per kind and year."""
        return SERIES_PREFIXES[self]

    @property
    def has_lines(self) -> bool:
        return self in (DocumentKind.QUOTE, DocumentKind.AMENDMENT, DocumentKind.ORDER_CONFIRMATION)


SERIES_PREFIXES = {
    DocumentKind.QUOTE: "DEV",
    DocumentKind.AMENDMENT: "AVE",
    DocumentKind.ORDER_CONFIRMATION: "CMD",
    DocumentKind.RESPONSE_LETTER: "LET",
    DocumentKind.STATUS_MESSAGE: "MSG",
    DocumentKind.DELAY_NOTICE: "RET",
    DocumentKind.TICKET_SUMMARY: "SYN",
    DocumentKind.INTERVENTION_REPORT: "CRI",
}


class Profile(StrEnum):
    """The customer's profile (docs/domain.md §2.1): it sets the tone of the wording."""

    B2B = "b2b"
    B2C = "b2c"
    PUBLIC_SERVICE = "public_service"
    STRATEGIC = "strategic"


class Language(StrEnum):
    FR = "fr"
    EN = "en"

    @property
    def locale(self) -> str:
        return "fr_FR" if self is Language.FR else "en_GB"


class SendingChannel(StrEnum):
    """How a document reaches the customer: one channel per document, never several."""

    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    SUBMITTED = "submitted"
    TRANSMITTED = "transmitted"
    SENT = "sent"
    FAILED = "failed"
    ACCEPTED = "accepted"


def number_of(kind: DocumentKind, year: int, sequence: int) -> str:
    return f"{kind.series_prefix}-{year:04d}-{sequence:06d}"
