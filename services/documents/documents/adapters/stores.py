"""The SQL side of the documents ports, each over the unit of work's connection."""

from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from documents.adapters.tables import attachments, number_counters, templates, validations
from documents.adapters.wording import built_in
from documents.domain.kinds import DocumentKind, Language, Profile
from events.persistence import insert_if_absent

VALIDATED = "validated"

# INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the first number of a series inserts its
# row; every later one updates it and holds the row lock until the issuing transaction ends.
_NEXT = {
    dialect: module.insert(number_counters)
    .values(last=1)
    .on_conflict_do_update(index_elements=["series"], set_={"last": number_counters.c.last + 1})
    .returning(number_counters.c.last)
    for dialect, module in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlNumbering:
    """Gap-free counters: a row per series updated in the issuing transaction (not a
    PostgreSQL sequence, whose values are burnt by a rollback)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def next_sequence(self, series: str) -> int:
        statement = _NEXT[self.connection.dialect.name]
        return int((await self.connection.execute(statement, {"series": series})).scalar_one())


class SqlValidations:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def in_force(self, content_hash: str) -> UUID | None:
        row = (
            await self.connection.execute(
                select(validations.c.approval_id)
                .where(validations.c.content_hash == content_hash, validations.c.status == VALIDATED)
                .limit(1)
            )
        ).first()
        return row.approval_id if row else None


class SqlTemplateSources:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    def _of(self, kind: DocumentKind, language: Language, profile: Profile) -> list[ColumnElement[bool]]:
        return [
            templates.c.kind == kind.value,
            templates.c.language == language.value,
            templates.c.profile == profile.value,
        ]

    async def latest_version(self, kind: DocumentKind, language: Language, profile: Profile) -> int:
        rows = await self.connection.execute(
            select(templates.c.version)
            .where(*self._of(kind, language, profile))
            .order_by(templates.c.version.desc())
            .limit(1)
        )
        row = rows.first()
        return int(row.version) if row else 0

    async def source(self, kind: DocumentKind, language: Language, profile: Profile, version: int) -> str:
        if version == 0:
            return built_in(language, profile)
        row = (
            await self.connection.execute(
                select(templates.c.source).where(
                    *self._of(kind, language, profile), templates.c.version == version
                )
            )
        ).one()
        return str(row.source)


class SqlAttachments:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def store(self, sha256: str, data: bytes) -> None:
        await insert_if_absent(self.connection, attachments, {"sha256": sha256, "data": data})

    async def load(self, sha256: str) -> bytes:
        row = (
            await self.connection.execute(select(attachments.c.data).where(attachments.c.sha256 == sha256))
        ).one()
        return bytes(row.data)
