"""Key destruction in bulk, for a retention purge: one category of many subjects at once.

:meth:`Keyring.destroy` is one transaction per subject; a purge ends a category for tens of
thousands of subjects, so this destroys their live keys of that category in UPDATEs of
``BATCH`` subjects in one transaction (the rows stay, as the record of what was destroyed and
when). Other processes' caches stop opening those keys within their ttl
(:mod:`events.pii.keyring`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select, update

from events.db import reading
from events.pii.keyring import Keyring
from events.tables import subject_keys

BATCH = 500


async def destroy_category(keyring: Keyring, subjects: Sequence[str], category: str) -> dict[str, list[str]]:
    """Destroy the live ``category`` key of each of ``subjects``; the key ids destroyed per subject
    (a subject without a live key in ``category`` is absent)."""
    destroyed: dict[str, list[str]] = {}
    now = keyring.clock()
    async with keyring.engine.begin() as connection:
        for start in range(0, len(subjects), BATCH):
            rows = await connection.execute(
                update(subject_keys)
                .where(
                    and_(
                        subject_keys.c.subject.in_(list(subjects[start : start + BATCH])),
                        subject_keys.c.category == category,
                        subject_keys.c.destroyed_at.is_(None),
                    )
                )
                .values(wrapped_key=None, destroyed_at=now)
                .returning(subject_keys.c.subject, subject_keys.c.key_id)
            )
            for subject, key_id in rows:
                destroyed.setdefault(subject, []).append(key_id)
    keyring.forget_cache()
    return destroyed


async def categories_of(keyring: Keyring, subject: str) -> dict[str, bool]:
    """Each category ``subject`` ever had a key in, and whether one is still live."""
    async with reading(keyring.engine) as connection:
        rows = await connection.execute(
            select(subject_keys.c.category, subject_keys.c.destroyed_at).where(
                subject_keys.c.subject == subject
            )
        )
        found: dict[str, bool] = {}
        for category, destroyed_at in rows:
            found[category] = found.get(category, False) or destroyed_at is None
        return found
