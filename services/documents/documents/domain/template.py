"""Templates are data: the wording of one kind, language and customer profile, versioned."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from documents.domain.kinds import DocumentKind, Language, Profile
from events.aggregate_base import Aggregate
from events.catalogue import documents as e

_NAMESPACE = UUID("6f1c3e4a-5b0d-4c8e-9a51-0d2f7b6c9e13")


def template_id_of(kind: DocumentKind, language: Language, profile: Profile) -> UUID:
    """One stream per (kind, language, profile): every version of that wording in order."""
    return uuid5(_NAMESPACE, f"{kind.value}/{language.value}/{profile.value}")


class Template(Aggregate):
    stream_type = "document-template"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.current_version = 0
        self.last_defined: e.TemplateDefined | None = None

    def define(
        self, kind: DocumentKind, language: Language, profile: Profile, source: str, by: str, now: datetime
    ) -> int:
        """Record the next version of the wording (checked before, by the template engine)."""
        self.record(
            e.TemplateDefined(
                template_id=self.id,
                kind=kind,
                language=language,
                profile=profile,
                version=self.current_version + 1,
                source=source,
                defined_by=by,
                defined_at=now,
            )
        )
        return self.current_version

    def when_TemplateDefined(self, event: e.TemplateDefined) -> None:
        self.current_version = event.version
        self.last_defined = event
