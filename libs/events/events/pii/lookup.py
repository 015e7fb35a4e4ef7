"""Which data subject each key id belongs to: a consumer told of destroyed key ids (a
retention purge's proof) finds the subjects whose read models it must blank."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from events.db import reading
from events.pii.keyring import Keyring
from events.tables import subject_keys

BATCH = 500


async def subjects_of_keys(keyring: Keyring, key_ids: Collection[str]) -> dict[str, list[str]]:
    """The key ids of ``key_ids`` per subject, as the key database records them (destroyed keys
    included); an unknown key id is absent."""
    wanted = sorted(set(key_ids))
    found: dict[str, list[str]] = {}
    async with reading(keyring.engine) as connection:
        for start in range(0, len(wanted), BATCH):
            rows = await connection.execute(
                select(subject_keys.c.subject, subject_keys.c.key_id)
                .where(subject_keys.c.key_id.in_(wanted[start : start + BATCH]))
                .order_by(subject_keys.c.subject, subject_keys.c.key_id)
            )
            for subject, key_id in rows:
                found.setdefault(subject, []).append(key_id)
    return found
