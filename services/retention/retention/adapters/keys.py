"""The :class:`~retention.app.ports.KeyShredder` over the platform's key ring (``events.pii``).

One erasure goes through :func:`events.pii.erasure.destroy_keys` (keys destroyed, events
counted in ``event_engines``, read models blanked by their ``on_subject_erased`` hooks). A
purge destroys many subjects' keys of one category in batched UPDATEs of ``subject_keys``
(one statement per 500 subjects), then runs the same hooks per subject: the key ring's caches
in other processes stop opening those keys within their ttl (``events.pii.keyring``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from events.db import reading
from events.persistence.projectors import SubjectErasedHook
from events.pii.erasure import count_sealed_events, destroy_keys
from events.pii.keyring import Keyring
from events.tables import subject_keys
from retention.app.ports import ShredReport

BATCH = 500


class KeyringShredder:
    def __init__(
        self,
        keyring: Keyring,
        *,
        event_engines: Sequence[AsyncEngine] = (),
        read_models: Sequence[tuple[AsyncEngine, Sequence[SubjectErasedHook]]] = (),
    ) -> None:
        self.keyring = keyring
        self.event_engines = tuple(event_engines)
        self.read_models = tuple(read_models)

    async def destroy(self, subject: str, categories: Collection[str]) -> ShredReport:
        erasure = await destroy_keys(
            self.keyring,
            subject,
            categories,
            event_engines=self.event_engines,
            read_models=self.read_models,
        )
        return ShredReport(subject, erasure.key_ids, erasure.events_affected)

    async def destroy_many(self, subjects: Sequence[str], category: str) -> list[ShredReport]:
        destroyed: dict[str, list[str]] = {}
        now = self.keyring.clock()
        async with self.keyring.engine.begin() as connection:
            for start in range(0, len(subjects), BATCH):
                chunk = list(subjects[start : start + BATCH])
                rows = await connection.execute(
                    update(subject_keys)
                    .where(
                        and_(
                            subject_keys.c.subject.in_(chunk),
                            subject_keys.c.category == category,
                            subject_keys.c.destroyed_at.is_(None),
                        )
                    )
                    .values(wrapped_key=None, destroyed_at=now)
                    .returning(subject_keys.c.subject, subject_keys.c.key_id)
                )
                for subject, key_id in rows:
                    destroyed.setdefault(subject, []).append(key_id)
        self.keyring.forget_cache()
        reports: list[ShredReport] = []
        wanted = frozenset({category})
        for subject in subjects:
            key_ids = tuple(sorted(destroyed.get(subject, ())))
            affected = 0
            if key_ids:
                for engine in self.event_engines:
                    affected += await count_sealed_events(engine, subject, key_ids)
            for engine, hooks in self.read_models:
                async with engine.begin() as connection:
                    for hook in hooks:
                        await hook(connection, subject, wanted)
            reports.append(ShredReport(subject, key_ids, affected))
        return reports

    async def categories_of(self, subject: str) -> dict[str, bool]:
        async with reading(self.keyring.engine) as connection:
            rows = await connection.execute(
                select(subject_keys.c.category, subject_keys.c.destroyed_at).where(
                    subject_keys.c.subject == subject
                )
            )
            found: dict[str, bool] = {}
            for category, destroyed_at in rows:
                found[category] = found.get(category, False) or destroyed_at is None
            return found
