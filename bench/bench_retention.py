"""Retention (issue 14) on PostgreSQL: the purge's key destruction and the access export.

* Purge: 100,000 data subjects each with a live ``call_recording`` key in ``subject_keys``
  (wrapped by a master key, as the key ring writes them) and an activity whose last call is
  7 months old; one purge pass selects them (``select_for_purge``) and destroys their keys
  through ``KeyringShredder.destroy_many`` (batched UPDATEs of 500). Target ≥ 10,000
  subjects/s. Events affected are not counted here (no event database handed to the
  shredder): counting is one query per subject in each producer's store.
* Export: a subject with 1,000 consumed events, each with its payload as intake stores it
  (four personal fields sealed under the customer's key); the ``export`` use case of an access
  request (read the projection, open the personal fields through the key ring, build the
  copy, record ``DataExported``), 100 times. Target p99 ≤ 1 s.
"""

from __future__ import annotations

import secrets
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.core import Context, Result, scaled

GROUP = "retention"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def _purge(ctx: Context) -> list[Result]:
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.pii.keyring import Keyring
    from events.pii.wrapping import MasterKeyWrapper
    from events.tables import subject_keys
    from retention.adapters.keys import KeyringShredder
    from retention.domain.policies import DEFAULT_POLICY
    from retention.domain.purge import SubjectActivity, select_for_purge

    count = scaled(100_000, minimum=5_000)
    engine = create_engine(await ctx.database("retention_purge"), pool_size=4)
    await upgrade_platform(engine)
    wrapper = MasterKeyWrapper(secrets.token_bytes(32))
    keyring = Keyring(engine, wrapper, clock=lambda: NOW)
    subjects = [str(uuid.uuid4()) for _ in range(count)]
    wrapped = wrapper.wrap(secrets.token_bytes(32))
    async with engine.begin() as connection:
        for start in range(0, count, 5_000):
            await connection.execute(
                subject_keys.insert(),
                [
                    {
                        "key_id": secrets.token_hex(16),
                        "subject": subject,
                        "category": "call_recording",
                        "wrapped_key": wrapped,
                        "master_key_id": wrapper.master_key_id,
                        "created_at": NOW - timedelta(days=220),
                    }
                    for subject in subjects[start : start + 5_000]
                ],
            )
    called = NOW - timedelta(days=215)
    activities = [SubjectActivity(subject=s, last_call=called, last_activity=called) for s in subjects]
    shredder = KeyringShredder(keyring)
    began = time.perf_counter()
    selection = select_for_purge(activities, DEFAULT_POLICY.period("call_recording"), NOW)
    reports = await shredder.destroy_many(selection.due, "call_recording")
    seconds = time.perf_counter() - began
    destroyed = sum(len(r.key_ids) for r in reports)
    await engine.dispose()
    assert destroyed == count, (destroyed, count)
    return [
        Result(
            name="purge: subjects' expired category keys destroyed",
            value=count / seconds,
            unit="subjects/s",
            target=10_000,
            count=count,
            seconds=seconds,
            detail="select_for_purge over the activities, batched UPDATE of subject_keys (500 a statement)",
            group=GROUP,
        )
    ]


async def _export(ctx: Context) -> list[Result]:
    import retention.adapters
    from events.catalogue.intake import InteractionRecorded
    from events.db import create_engine
    from events.envelope import Metadata
    from events.migrations import upgrade, upgrade_platform
    from events.persistence import SystemClock
    from events.pii.keyring import Keyring
    from events.pii.protector import EncryptedPayloads
    from events.pii.wrapping import MasterKeyWrapper
    from events.store import SqlEventStore
    from retention.adapters.export_sources import KeyringExportSources
    from retention.adapters.keys import KeyringShredder
    from retention.adapters.tables import retention_subject_events, retention_subjects
    from retention.adapters.unit_of_work import SqlUnitOfWork
    from retention.adapters.views import RetentionViews
    from retention.app.use_cases import RetentionUseCases

    engine = create_engine(await ctx.database("retention_export"), pool_size=4)
    await upgrade_platform(engine)
    await upgrade(
        engine, Path(retention.adapters.__file__).parent / "migrations", "alembic_version_retention"
    )
    keyring = Keyring(engine, MasterKeyWrapper(secrets.token_bytes(32)))
    store = SqlEventStore(engine, source="/guichet/retention", protector=EncryptedPayloads(keyring))
    clock = SystemClock()
    views = RetentionViews(engine)
    sources = KeyringExportSources(engine, keyring, store)
    use_cases = RetentionUseCases(
        lambda: SqlUnitOfWork(store, clock), views, KeyringShredder(keyring), clock, sources
    )
    customer = uuid.uuid4()
    subject = str(customer)
    events = 1_000
    sealer = await EncryptedPayloads(keyring).sealer([(subject, "contractual")])
    async with engine.begin() as connection:
        await connection.execute(
            retention_subjects.insert().values(
                subject=subject, open_requests=0, on_hold=False, erased=[], last_activity=NOW
            )
        )
        rows: list[dict[str, Any]] = []
        for n in range(events):
            event_id, stream_id = uuid.uuid4(), uuid.uuid4()
            interaction = InteractionRecorded(
                request_id=stream_id,
                interaction_id=uuid.uuid4(),
                channel="phone",
                direction="inbound",
                subject="Facture de mars",
                summary=f"Appel n°{n} : montant facturé deux fois, avoir promis.",
                actions="Avoir demandé",
                next_step="Rappeler vendredi",
                occurred_at=NOW - timedelta(minutes=n),
            )
            stored, _, marker = sealer.protect(
                subject,
                interaction.pii_categories,
                interaction.model_dump(mode="json"),
                event_id=event_id,
                stream_id=stream_id,
            )
            rows.append(
                {
                    "event_id": event_id,
                    "subject": subject,
                    "event_type": InteractionRecorded.event_type,
                    "stream_id": stream_id,
                    "occurred_at": NOW - timedelta(minutes=n),
                    "data": {k: v for k, v in stored.items() if k in interaction.model_fields},
                    "personal_fields": sorted(interaction.pii_fields),
                    "schema_version": 1,
                    "stored": stored,
                    "pii": marker,
                }
            )
        await connection.execute(retention_subject_events.insert(), rows)
    metadata = Metadata(actor="dpo-bench")
    request = await use_cases.receive(uuid.uuid4(), "access", customer, {"name": "X"}, "email", metadata)
    await use_cases.verify_identity(request.id, "bench", metadata)
    rounds = scaled(100, minimum=20)
    latencies: list[float] = []
    for _ in range(rounds):
        began = time.perf_counter()
        document = await use_cases.export(request.id, metadata)
        latencies.append(time.perf_counter() - began)
        assert len(document["events"]) == events
        assert document["events"][0]["personal_data"]["summary"].startswith("Appel")
    await engine.dispose()
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else latencies[0]
    return [
        Result(
            name="access export of a subject with 1,000 events: p99",
            value=p99,
            unit="s",
            target=1.0,
            lower_is_better=True,
            count=rounds,
            detail=f"median {statistics.median(latencies) * 1000:.1f} ms; projection read, personal "
            "fields opened through the key ring (4 per event, one key), copy built, DataExported recorded",
            group=GROUP,
        )
    ]


async def run(ctx: Context) -> list[Result]:
    return [*(await _purge(ctx)), *(await _export(ctx))]
