"""Documents domain errors: each has a stable ``code`` for the API and a human ``message``."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldProblem:
    """One refused field: its path in the request body (``content.lines[0].vat_rate``)."""

    field: str
    message: str
    kind: str = "invalid"


class DocumentError(Exception):
    """Base class. ``code`` is part of the API contract; ``message`` is for people."""

    code: ClassVar[str] = "document_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidDocument(DocumentError):
    """Every problem of a document's content at once: missing fields named one by one."""

    code = "invalid_document"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        missing = [p.field for p in problems if p.kind == "missing"]
        invalid = [p.field for p in problems if p.kind != "missing"]
        parts = []
        if missing:
            parts.append("missing fields: " + ", ".join(missing))
        if invalid:
            parts.append("invalid fields: " + ", ".join(invalid))
        super().__init__("; ".join(parts))
        self.problems = tuple(problems)


class TemplateRefused(DocumentError):
    """A template that does not render, names an unknown variable or injects markup."""

    code = "template_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class IllegalDocumentState(DocumentError):
    code = "illegal_document_state"

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"cannot {action} a document that is {status}")
        self.status = status
        self.action = action


class ValidationMissing(DocumentError):
    """Transmission refused: no validation in force for the exact content about to leave."""

    code = "validation_missing"

    def __init__(self, document_id: str, content_hash: str, reason: str) -> None:
        super().__init__(
            f"no validation in force for document {document_id} with content sha256:{content_hash} ({reason})"
        )
        self.document_id = document_id
        self.content_hash = content_hash
        self.reason = reason
