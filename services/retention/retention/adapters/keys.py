"""The :class:`~retention.app.ports.KeyShredder` over the platform's key ring (``events.pii``).

One erasure goes through :func:`events.pii.erasure.destroy_keys` (keys destroyed, events
counted in ``event_engines``, read models blanked by their ``on_subject_erased`` hooks). A
purge destroys many subjects' keys of one category at once (:func:`events.pii.purge.destroy_category`),
then runs the same hooks per subject.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from events.persistence.projectors import SubjectErasedHook
from events.pii.erasure import count_sealed_events, destroy_keys
from events.pii.keyring import Keyring
from events.pii.purge import categories_of, destroy_category
from retention.app.ports import ShredReport


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
        destroyed = await destroy_category(self.keyring, subjects, category)
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
        return await categories_of(self.keyring, subject)
