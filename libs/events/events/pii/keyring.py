"""Data keys per data subject and category: created on first use, wrapped in ``subject_keys``,
cached unwrapped in memory, destroyed to erase.

A data key is 32 random bytes (AES-256-GCM), stored only wrapped by the master key (through
the :class:`~events.pii.wrapping.KeyWrapper` port). Unwrapping is the cost, so unwrapped
keys stay in per-process LRU caches: a key used to open data is looked up again after
``ttl`` seconds (a key destroyed by another process stops opening data here within ``ttl``);
the current key of a subject used to seal new data after ``seal_ttl`` seconds (an event
sealed in between under a key another process just destroyed reads as erased at once).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from events.db import reading
from events.pii.sealing import DATA_KEY_BYTES
from events.pii.wrapping import KeyWrapper
from events.tables import subject_keys

DEFAULT_TTL = 1.0
DEFAULT_SEAL_TTL = 30.0
DEFAULT_CACHE_SIZE = 10_000

Pair = tuple[str, str]
"""``(subject, category)``."""
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class LiveKey:
    key_id: str
    cipher: AESGCM


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A row of ``subject_keys`` without its key material."""

    key_id: str
    subject: str
    category: str
    created_at: datetime
    destroyed_at: datetime | None


class _Lru(Generic[K, V]):
    """Bounded map whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, size: int, ttl: float, monotonic: Callable[[], float]) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._size, self._ttl, self._monotonic = size, ttl, monotonic

    def get(self, key: K) -> tuple[bool, V | None]:
        entry = self._entries.get(key)
        if entry is None or self._monotonic() - entry[0] > self._ttl:
            return False, None
        self._entries.move_to_end(key)
        return True, entry[1]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (self._monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop(self, key: K) -> None:
        self._entries.pop(key, None)


class Keyring:
    """The ``subject_keys`` table of one key database, through a :class:`KeyWrapper`."""

    def __init__(
        self,
        engine: AsyncEngine,
        wrapper: KeyWrapper,
        *,
        ttl: float = DEFAULT_TTL,
        seal_ttl: float = DEFAULT_SEAL_TTL,
        cache_size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.wrapper = wrapper
        self.clock = clock
        self._live: _Lru[Pair, LiveKey] = _Lru(cache_size, seal_ttl, monotonic)
        self._by_id: _Lru[str, AESGCM | None] = _Lru(cache_size, ttl, monotonic)

    async def live_keys(self, pairs: Collection[Pair]) -> dict[Pair, LiveKey]:
        """The current key of each ``(subject, category)``, created where there is none."""
        found: dict[Pair, LiveKey] = {}
        missing: list[Pair] = []
        for pair in pairs:
            hit, key = self._live.get(pair)
            if hit and key is not None:
                found[pair] = key
            else:
                missing.append(pair)
        if missing:
            loaded = await self._load_live(missing)
            absent = [pair for pair in missing if pair not in loaded]
            if absent:
                loaded.update(await self._create(absent))
            for pair, key in loaded.items():
                self._live.put(pair, key)
                self._by_id.put(key.key_id, key.cipher)
            found.update(loaded)
        return found

    async def ciphers(self, key_ids: Iterable[str]) -> dict[str, AESGCM | None]:
        """Each key's cipher, ``None`` for a key destroyed (or unknown to this key database)."""
        found: dict[str, AESGCM | None] = {}
        missing: list[str] = []
        for key_id in key_ids:
            hit, cipher = self._by_id.get(key_id)
            if hit:
                found[key_id] = cipher
            else:
                missing.append(key_id)
        if missing:
            loaded: dict[str, AESGCM | None] = dict.fromkeys(missing)
            async with reading(self.engine) as connection:
                for start in range(0, len(missing), 500):
                    rows = await connection.execute(
                        select(subject_keys.c.key_id, subject_keys.c.wrapped_key).where(
                            subject_keys.c.key_id.in_(missing[start : start + 500])
                        )
                    )
                    for key_id, wrapped in rows:
                        loaded[key_id] = None if wrapped is None else self._cipher(wrapped)
            for key_id, cipher in loaded.items():
                self._by_id.put(key_id, cipher)
            found.update(loaded)
        return found

    async def destroy(self, subject: str, categories: Collection[str] | None = None) -> list[str]:
        """Destroy the live keys of ``subject`` (in ``categories``, or all): their wrapped key
        is overwritten with NULL; the row stays as the record of what was destroyed, and when.
        Returns the key ids destroyed (none for an unknown subject or a second erasure)."""
        condition = and_(subject_keys.c.subject == subject, subject_keys.c.destroyed_at.is_(None))
        if categories is not None:
            condition = and_(condition, subject_keys.c.category.in_(sorted(categories)))
        async with self.engine.begin() as connection:
            rows = await connection.execute(
                update(subject_keys)
                .where(condition)
                .values(wrapped_key=None, destroyed_at=self.clock())
                .returning(subject_keys.c.key_id, subject_keys.c.category)
            )
            destroyed = sorted(rows.all())
        for key_id, category in destroyed:
            self._by_id.put(key_id, None)
            self._live.drop((subject, category))
        return [key_id for key_id, _ in destroyed]

    async def keys_of(self, subject: str) -> list[KeyRecord]:
        """Every key ``subject`` ever had, destroyed ones included, oldest first."""
        async with reading(self.engine) as connection:
            rows = await connection.execute(
                select(
                    subject_keys.c.key_id,
                    subject_keys.c.subject,
                    subject_keys.c.category,
                    subject_keys.c.created_at,
                    subject_keys.c.destroyed_at,
                )
                .where(subject_keys.c.subject == subject)
                .order_by(subject_keys.c.created_at, subject_keys.c.key_id)
            )
            return [KeyRecord(*row) for row in rows]

    def forget_cache(self) -> None:
        """Drop every unwrapped key held in memory (tests; a process told of a master-key change)."""
        self._live = _Lru(self._live._size, self._live._ttl, self._live._monotonic)
        self._by_id = _Lru(self._by_id._size, self._by_id._ttl, self._by_id._monotonic)

    async def _load_live(self, pairs: list[Pair]) -> dict[Pair, LiveKey]:
        loaded: dict[Pair, LiveKey] = {}
        async with reading(self.engine) as connection:
            for start in range(0, len(pairs), 200):
                chunk = pairs[start : start + 200]
                rows = await connection.execute(
                    select(
                        subject_keys.c.subject,
                        subject_keys.c.category,
                        subject_keys.c.key_id,
                        subject_keys.c.wrapped_key,
                    ).where(
                        subject_keys.c.destroyed_at.is_(None),
                        or_(
                            *(
                                and_(subject_keys.c.subject == s, subject_keys.c.category == c)
                                for s, c in chunk
                            )
                        ),
                    )
                )
                for subject, category, key_id, wrapped in rows:
                    loaded[(subject, category)] = LiveKey(key_id, self._cipher(wrapped))
        return loaded

    async def _create(self, pairs: list[Pair]) -> dict[Pair, LiveKey]:
        """New keys, committed on their own (a key whose event is rolled back is harmless).
        Another process creating the same pair first wins: its key is used."""
        now = self.clock()
        fresh = {pair: (secrets.token_hex(16), secrets.token_bytes(DATA_KEY_BYTES)) for pair in pairs}
        rows = [
            {
                "key_id": key_id,
                "subject": subject,
                "category": category,
                "wrapped_key": self.wrapper.wrap(data_key),
                "master_key_id": self.wrapper.master_key_id,
                "created_at": now,
            }
            for (subject, category), (key_id, data_key) in fresh.items()
        ]
        try:
            async with self.engine.begin() as connection:
                await connection.execute(subject_keys.insert(), rows)
        except IntegrityError:
            if len(rows) == 1:
                return await self._load_live(pairs)
            created: dict[Pair, LiveKey] = {}
            for pair in pairs:
                created.update(await self._create([pair]))
            return created
        return {pair: LiveKey(key_id, AESGCM(data_key)) for pair, (key_id, data_key) in fresh.items()}

    def _cipher(self, wrapped: bytes) -> AESGCM:
        return AESGCM(self.wrapper.unwrap(bytes(wrapped)))
