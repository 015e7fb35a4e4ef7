"""What sealing personal fields costs the appends (``events.pii``): target ≥ 85 % of plain.

The same event type (three personal fields of a contact, a ~300-byte payload) is appended by
a store that keeps them in clear (``PlainPayloads``) and by one that seals them per data
subject and category (``EncryptedPayloads``: one AES-256-GCM value per category per event, data
keys wrapped by a master key, unwrapped keys cached per process), in alternating rounds, best
of 2 each:

* PostgreSQL: single-event appends from 32 tasks, each task one data subject (its key is
  created by its first append, then cached);
* SQLite (the embedded default, one writer): single-event appends from one task cycling over
  100 subjects, the key database a second SQLite file as on the embedded default.

Also printed (informational): PostgreSQL appends where every event is a new data subject, so
each one creates and wraps a key (a registration), against plain appends.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.core import Context, Result, scaled
from events.catalogue import DomainEvent

RATIO_TARGET = 0.85
SINGLE_C = 32
SQLITE_SUBJECTS = 100
GROUP = "encryption"
STREAM_TYPE = "contact"


class ContactNoted(
    DomainEvent,
    type="bench.ContactNoted",
    pii=("name", "email", "note"),
    pii_categories={"note": "complaint"},
    subject_field="customer_id",
):
    customer_id: uuid.UUID
    name: str
    email: str
    note: str
    channel: str
    seq: int


def contact(customer_id: uuid.UUID, seq: int) -> ContactNoted:
    return ContactNoted(
        customer_id=customer_id,
        name="Éloïse Dupont",
        email="eloise.dupont@exemple.fr",
        note="Rappeler au sujet de la facture de mars : montant facturé deux fois, avoir promis.",
        channel="phone",
        seq=seq,
    )


async def _store(url: str, keys_url: str | None, encrypted: bool) -> Any:
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.pii.keyring import Keyring
    from events.pii.protector import EncryptedPayloads
    from events.pii.wrapping import MasterKeyWrapper
    from events.store import SqlEventStore

    engine = create_engine(url, pool_size=SINGLE_C)
    await upgrade_platform(engine)
    if not encrypted:
        return SqlEventStore(engine, source="/guichet/bench")
    keys_engine = engine
    if keys_url is not None:
        keys_engine = create_engine(keys_url, pool_size=SINGLE_C)
        await upgrade_platform(keys_engine)
    keyring = Keyring(keys_engine, MasterKeyWrapper(secrets.token_bytes(32)))
    return SqlEventStore(engine, source="/guichet/bench", protector=EncryptedPayloads(keyring))


async def _dispose(store: Any) -> None:
    await store.engine.dispose()
    keyring = getattr(store.protector, "keyring", None)
    if keyring is not None and keyring.engine is not store.engine:
        await keyring.engine.dispose()


async def _concurrent(store: Any, per_worker: int, new_subject_each: bool) -> float:
    async def worker() -> None:
        subject = uuid.uuid4()
        for version in range(per_worker):
            if new_subject_each:
                await store.append(uuid.uuid4(), STREAM_TYPE, 0, [contact(uuid.uuid4(), 1)])
            else:
                await store.append(subject, STREAM_TYPE, version, [contact(subject, version + 1)])

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(SINGLE_C)))
    return SINGLE_C * per_worker / (time.perf_counter() - began)


async def _sequential(store: Any, count: int) -> float:
    subjects = [uuid.uuid4() for _ in range(SQLITE_SUBJECTS)]
    versions = dict.fromkeys(subjects, 0)
    for subject in subjects:  # warm-up: keys created, caches filled
        await store.append(subject, STREAM_TYPE, 0, [contact(subject, 1)])
        versions[subject] = 1
    began = time.perf_counter()
    for n in range(count):
        subject = subjects[n % SQLITE_SUBJECTS]
        await store.append(subject, STREAM_TYPE, versions[subject], [contact(subject, versions[subject] + 1)])
        versions[subject] += 1
    return count / (time.perf_counter() - began)


async def _postgres_rate(
    ctx: Context, name: str, encrypted: bool, per_worker: int, new_subjects: bool
) -> float:
    store = await _store(await ctx.database(name), None, encrypted)
    try:
        await _concurrent(store, 5, new_subjects)  # warm-up: pool and statement caches
        cpu = time.process_time()
        rate = await _concurrent(store, per_worker, new_subjects)
        _CLIENT_CPU_US.setdefault(encrypted, []).append(
            (time.process_time() - cpu) * 1e6 / (SINGLE_C * per_worker)
        )
        _STORED_BYTES[encrypted] = await _stored_bytes(store)
        return rate
    finally:
        await _dispose(store)


_CLIENT_CPU_US: dict[bool, list[float]] = {}
_STORED_BYTES: dict[bool, float] = {}


async def _stored_bytes(store: Any) -> float:
    """Average stored size of an event's ``data`` and ``pii`` columns (jsonb, as PostgreSQL keeps them)."""
    from sqlalchemy import text

    async with store.engine.connect() as connection:
        query = text("SELECT AVG(pg_column_size(data) + pg_column_size(pii)) FROM events")
        return float((await connection.execute(query)).scalar_one())


async def _sqlite_rate(directory: Path, name: str, encrypted: bool, count: int) -> float:
    url = f"sqlite:///{directory / (name + '.db')}"
    store = await _store(url, f"sqlite:///{directory / (name + '-keys.db')}", encrypted)
    try:
        return await _sequential(store, count)
    finally:
        await _dispose(store)


def _ratio_result(
    name: str, rates: dict[bool, list[float]], count: int, backend: str, extra: str = ""
) -> Result:
    plain, sealed = max(rates[False]), max(rates[True])
    return Result(
        name,
        sealed,
        target=RATIO_TARGET,
        baseline=plain,
        baseline_label="plain",
        count=count,
        detail=(
            f"{backend}; best of 2 each; plain {[round(r) for r in rates[False]]}, "
            f"sealed {[round(r) for r in rates[True]]}; ratio {sealed / plain:.3f}{extra}"
        ),
        group=GROUP,
    )


async def run(ctx: Context) -> list[Result]:
    results: list[Result] = []
    per_worker = scaled(10_000, minimum=SINGLE_C * 10) // SINGLE_C
    rates: dict[bool, list[float]] = {False: [], True: []}
    for round_ in range(2):
        for encrypted in (False, True):
            name = f"bench_encryption_{round_}_{int(encrypted)}"
            rates[encrypted].append(await _postgres_rate(ctx, name, encrypted, per_worker, False))
    cpu = {encrypted: min(values) for encrypted, values in _CLIENT_CPU_US.items()}
    results.append(
        _ratio_result(
            f"append single (c={SINGLE_C}) with personal fields sealed",
            rates,
            SINGLE_C * per_worker,
            "PostgreSQL",
            f"; client CPU per event (least of 2) plain {cpu[False]:.0f} µs, sealed {cpu[True]:.0f} µs"
            f"; data+pii stored plain {_STORED_BYTES[False]:.0f} B, sealed {_STORED_BYTES[True]:.0f} B",
        )
    )
    print(f"  {results[-1].line()}", flush=True)

    count = scaled(5_000, minimum=500)
    rates = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="bench-encryption-") as directory:
        for round_ in range(2):
            for encrypted in (False, True):
                name = f"round{round_}_{int(encrypted)}"
                rates[encrypted].append(await _sqlite_rate(Path(directory), name, encrypted, count))
    results.append(
        _ratio_result("append single (SQLite) with personal fields sealed", rates, count, "SQLite")
    )
    print(f"  {results[-1].line()}", flush=True)

    new_per_worker = max(per_worker // 4, 5)
    plain = await _postgres_rate(ctx, "bench_encryption_new_0", False, new_per_worker, True)
    sealed = await _postgres_rate(ctx, "bench_encryption_new_1", True, new_per_worker, True)
    results.append(
        Result(
            f"append single (c={SINGLE_C}), each a new data subject (key created and wrapped)",
            sealed,
            count=SINGLE_C * new_per_worker,
            detail=f"PostgreSQL, keys in the event database; plain {plain:.0f}/s; ratio {sealed / plain:.3f}",
            group=GROUP,
        )
    )
    print(f"  {results[-1].line()}", flush=True)
    return results
