"""The :class:`~retention.app.ports.KeyShredder` over the platform's key ring (``events.pii``).

One erasure goes through :func:`events.pii.erasure.destroy_keys` (keys destroyed, events
counted in ``event_engines``, read models blanked by their ``on_subject_erased`` hooks). A
purge destroys many subjects' keys of one category at once (:func:`events.pii.purge.destroy_category`),
then runs the same hooks per subject.

A customer's data is sealed under their own keys and under those of their streams (an event
naming no customer, an interaction's summary, a satisfaction comment or a relance's content,
is sealed under its stream, docs/adr/0007): both destroy the streams' keys with the
customer's, in the same categories, and report them as the customer's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

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

    async def destroy(
        self, subject: str, categories: Collection[str], streams: Sequence[str] = ()
    ) -> ShredReport:
        key_ids: list[str] = []
        affected = 0
        for each in dict.fromkeys((subject, *streams)):
            erasure = await destroy_keys(
                self.keyring,
                each,
                categories,
                event_engines=self.event_engines,
                read_models=self.read_models,
            )
            key_ids.extend(erasure.key_ids)
            affected += erasure.events_affected
        return ShredReport(subject, tuple(key_ids), affected)

    async def destroy_many(
        self,
        subjects: Sequence[str],
        category: str,
        streams: Mapping[str, Sequence[str]] | None = None,
    ) -> list[ShredReport]:
        owned = streams or {}
        every = list(dict.fromkeys([*subjects, *(r for s in subjects for r in owned.get(s, ()))]))
        destroyed = await destroy_category(self.keyring, every, category)
        reports: list[ShredReport] = []
        wanted = frozenset({category})
        for subject in subjects:
            key_ids: list[str] = []
            affected = 0
            for each in dict.fromkeys((subject, *owned.get(subject, ()))):
                destroyed_here = tuple(sorted(destroyed.get(each, ())))
                key_ids.extend(destroyed_here)
                if destroyed_here:
                    for engine in self.event_engines:
                        affected += await count_sealed_events(engine, each, destroyed_here)
                for engine, hooks in self.read_models:
                    async with engine.begin() as connection:
                        for hook in hooks:
                            await hook(connection, each, wanted)
            reports.append(ShredReport(subject, tuple(key_ids), affected))
        return reports

    async def categories_of(self, subject: str) -> dict[str, bool]:
        return await categories_of(self.keyring, subject)
