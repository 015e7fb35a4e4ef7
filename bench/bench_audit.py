"""Verifiable audit (``events.audit``): offline verification, proofs at 10M leaves, and what
the transparency log costs the appends.

* offline verification: ``verify_path`` of a bundle file of 200,000 stored events (7 streams
  per 1,000 events, the bench's ~300-byte payload) with a signed checkpoint every 10,000,
  one worker process per CPU (also printed: one process, and its CPU per event, which the
  machine's noise blurs less; the CPU per event of all processes of the parallel run), best of
  3 runs each;
* inclusion proof at 10M leaves: a tree of 10,000,000 leaf hashes in memory
  (``MerkleTree.from_concatenated``), then ``inclusion_proof`` + ``verify_inclusion`` of
  1,000 random leaves (mean and slowest); the process's peak RSS is printed;
* appends with checkpointing: 40,000 single-event appends from 32 tasks on PostgreSQL, alone and
  then with the kit's audit job stepping beside them at the service's default settings
  (``GUICHET_AUDIT_POLL_INTERVAL``: a fold every second; a signed checkpoint every 1,000
  events or ``GUICHET_AUDIT_EVERY_SECONDS``), each on a fresh database, alternated, best of 3
  each; the ratio of rates.
  Its detail adds the CPU per event of reading and folding leaves alone (no writes, nothing
  else running), the figure the ratio depends on and that the machine's noise does not blur.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import os
import random
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.core import Context, Result, scaled
from bench.workload import STREAM_TYPE, noted
from events.service.settings import ServiceSettings

VERIFY_TARGET = 300_000
VERIFY_RUNS = 3
PROOF_TARGET_MS = 5.0
RATIO_TARGET = 0.95
SINGLE_C = 32
_DEFAULTS = ServiceSettings.model_fields
FOLD_EVERY_S: float = _DEFAULTS["audit_poll_interval"].default
EVERY_EVENTS: int = _DEFAULTS["audit_every_events"].default
EVERY_SECONDS: float = _DEFAULTS["audit_every_seconds"].default
ROUNDS = 3
APPENDS = 40_000
AUDIT_JOB_CONNECTIONS = 2
GROUP = "audit"


def _stored_events(count: int) -> list[Any]:
    from events.envelope import Envelope
    from events.integrity import chain_hash

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    streams = [uuid.uuid4() for _ in range(max(count // 1000 * 7, 1))]
    tails: dict[uuid.UUID, tuple[int, str | None]] = {}
    out = []
    for n in range(count):
        stream = streams[n % len(streams)]
        version, prev = tails.get(stream, (0, None))
        at = t0 + timedelta(milliseconds=n)
        draft = Envelope(
            id=uuid.uuid4(),
            source="/guichet/bench",
            type="bench.TicketNoted",
            time=at,
            stream_id=stream,
            stream_type=STREAM_TYPE,
            stream_version=version + 1,
            schema_version=1,
            data=noted(stream, version + 1).model_dump(mode="json"),
            position=n + 1,
            recorded_at=at,
            prev_hash=prev,
        )
        envelope = draft.model_copy(update={"hash": chain_hash(prev, draft)})
        tails[stream] = (version + 1, envelope.hash)
        out.append(envelope)
    return out


def _bundle_file(count: int, directory: str) -> Path:
    """Write the bench's bundle; the events and the log are dropped on return, so the worker
    processes forked to verify it do not start from a process holding them (as an auditor's
    command would not)."""
    from events.audit.bundle import TrustedKey, build_bundle
    from events.audit.log import AuditLog
    from events.audit.note import Signer

    events = _stored_events(count)
    signer = Signer.generate("guichet/bench")
    log = AuditLog("guichet/bench", signer)
    notes = []
    for envelope in events:
        log.append(envelope)
        if log.size % 10_000 == 0 or log.size == count:
            notes.append(log.sign_checkpoint())
    bundle = build_bundle(
        events, origin=log.origin, checkpoints=notes, keys=[TrustedKey(signer.verifier())], leaves=log.leaves
    )
    return bundle.write(Path(directory) / "bundle.jsonl")


def _verification(count: int) -> list[Result]:
    from events.audit.fast import verify_path

    with tempfile.TemporaryDirectory() as directory:
        path = _bundle_file(count, directory)
        gc.collect()
        size_mb = path.stat().st_size / 1e6
        figures: dict[int, tuple[float, Any]] = {}
        cpu = float("inf")
        all_cpu = float("inf")
        for _ in range(VERIFY_RUNS):
            for workers in (1, os.cpu_count() or 1):
                began, began_cpu, began_all = time.perf_counter(), time.process_time(), _cpu_with_children()
                report = verify_path(path, workers=workers)
                seconds = time.perf_counter() - began
                if workers == 1:  # all in this process: its CPU is the whole cost
                    cpu = min(cpu, time.process_time() - began_cpu)
                else:  # the pool's workers have ended: their CPU counts as this process's children's
                    all_cpu = min(all_cpu, _cpu_with_children() - began_all)
                if not report.ok:
                    raise AssertionError(f"an honest bundle did not verify: {report.lines()[:3]}")
                figures[workers] = min(figures.get(workers, (seconds, report)), (seconds, report), key=_first)
    workers = os.cpu_count() or 1
    seconds, report = figures[workers]
    single = figures[1][0]
    cpu_us = cpu / count * 1e6
    all_cpu_us = all_cpu / count * 1e6
    return [
        Result(
            f"offline verification ({workers} processes)",
            count / seconds,
            target=VERIFY_TARGET,
            count=count,
            seconds=seconds,
            detail=(
                f"best of {VERIFY_RUNS}; bundle {size_mb:.0f} MB; 1 process: {count / single:,.0f} events/s, "
                f"{cpu_us:.1f} us of CPU per event; {workers} processes: {all_cpu_us:.1f} us of CPU "
                "per event (workers and this process)"
            ),
            group=GROUP,
            extra={
                "one_process_events_per_s": count / single,
                "bundle_mb": size_mb,
                "cpu_us_per_event": cpu_us,
                "all_processes_cpu_us_per_event": all_cpu_us,
            },
        )
    ]


def _cpu_with_children() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _first(pair: tuple[float, Any]) -> float:
    return pair[0]


def _proofs(leaves: int, samples: int = 1000) -> list[Result]:
    from events.audit.merkle import MerkleTree, verify_inclusion

    began = time.perf_counter()
    hashes = b"".join([hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(leaves)])
    tree = MerkleTree.from_concatenated(hashes)
    del hashes
    built = time.perf_counter() - began
    root = tree.root()
    rng = random.Random(15)
    times = []
    for _ in range(samples):
        index = rng.randrange(leaves)
        began = time.perf_counter()
        proof = tree.inclusion_proof(index)
        ok = verify_inclusion(tree.leaf(index), index, leaves, proof, root)
        times.append(time.perf_counter() - began)
        if not ok:
            raise AssertionError("an inclusion proof did not verify")
    consistency = []
    for _ in range(100):
        old = rng.randrange(1, leaves)
        began = time.perf_counter()
        tree.consistency_proof(old)
        consistency.append(time.perf_counter() - began)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tree_mib = sum(len(level) for level in tree.levels) / 2**20
    mean_ms = sum(times) / len(times) * 1000
    return [
        Result(
            f"inclusion proof at {leaves:,} leaves (prove + verify)",
            mean_ms,
            unit="ms",
            target=PROOF_TARGET_MS,
            lower_is_better=True,
            count=samples,
            detail=(
                f"slowest {max(times) * 1000:.3f} ms; consistency proof mean "
                f"{sum(consistency) / len(consistency) * 1000:.3f} ms; tree {tree_mib:,.0f} MiB, "
                f"built in {built:.1f} s; peak RSS {rss_mib:,.0f} MiB"
            ),
            group=GROUP,
            extra={"tree_mib": tree_mib, "peak_rss_mib": rss_mib, "build_seconds": built},
        )
    ]


async def _appends(store: Any, per_worker: int) -> tuple[int, float]:
    async def worker() -> None:
        stream = uuid.uuid4()
        for version in range(per_worker):
            await store.append(stream, STREAM_TYPE, version, [noted(stream, version + 1)])

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(SINGLE_C)))
    return SINGLE_C * per_worker, time.perf_counter() - began


async def _append_rate(ctx: Context, name: str, per_worker: int, audited: bool) -> tuple[float, int]:
    """Appends alone, or with the kit's audit job stepping beside them (``ServiceAudit.step``:
    fold, sign, record each checkpoint as a ``CheckpointSigned`` event)."""
    from events.audit.note import Signer
    from events.audit.service import ServiceAudit
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.store import SqlEventStore

    # The pool holds the 32 appenders' connections and the audit job's two (its read and its
    # write), in both runs: a job borrowing overflow connections would open a server
    # connection at each fold, and measure that instead of the folding.
    engine = create_engine(await ctx.database(name), pool_size=SINGLE_C + AUDIT_JOB_CONNECTIONS)
    store = SqlEventStore(engine, source="/guichet/bench")
    try:
        await upgrade_platform(engine)
        await _appends(store, 5)  # warm-up: pool and statement caches
        audit = ServiceAudit(
            store,
            origin="guichet/bench",
            signer=Signer.generate("guichet-bench"),
            every_events=EVERY_EVENTS,
            every_seconds=EVERY_SECONDS,
        )
        stop = asyncio.Event()

        async def fold() -> None:
            while not stop.is_set():
                await audit.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), FOLD_EVERY_S)

        folding = asyncio.create_task(fold()) if audited else None
        count, seconds = await _appends(store, per_worker)
        stop.set()
        if folding is not None:
            await folding
            await audit.step()
        return count / seconds, audit.log.size
    finally:
        await engine.dispose()


async def _fold_cpu_per_event(ctx: Context, name: str, count: int) -> float:
    """Microseconds of this process's CPU per event to read the leaves of ``count`` stored
    events and fold them into a tree (what the log does per event, without its writes),
    alone: nothing else runs meanwhile."""
    from events.audit.leaf_source import leaf_pages
    from events.audit.merkle import MerkleTree
    from events.audit.transparency import extend_tree
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.store import SqlEventStore

    engine = create_engine(await ctx.database(name), pool_size=8)
    store = SqlEventStore(engine, source="/guichet/bench")
    try:
        await upgrade_platform(engine)
        for _ in range(count // 100):
            stream = uuid.uuid4()
            await store.append(stream, STREAM_TYPE, 0, [noted(stream, v + 1) for v in range(100)])
        tree = MerkleTree()
        began = time.process_time()
        async for page in leaf_pages(store, 0, 5000):
            extend_tree(tree, page.hashes)
        return (time.process_time() - began) / tree.size * 1e6
    finally:
        await engine.dispose()


async def run(ctx: Context) -> list[Result]:
    results = _verification(scaled(200_000, minimum=2_000))
    print(f"  {results[-1].line()}", flush=True)
    results += await asyncio.to_thread(_proofs, scaled(10_000_000, minimum=10_000))
    print(f"  {results[-1].line()}", flush=True)
    per_worker = scaled(APPENDS, minimum=SINGLE_C * 10) // SINGLE_C
    rates: dict[bool, list[float]] = {False: [], True: []}
    folded = 0
    for round_ in range(ROUNDS):
        for audited in (False, True):
            rate, size = await _append_rate(ctx, f"bench_audit_{round_}_{int(audited)}", per_worker, audited)
            rates[audited].append(rate)
            folded = max(folded, size)
    plain, audited_rate = max(rates[False]), max(rates[True])
    fold_us = await _fold_cpu_per_event(ctx, "bench_audit_fold", scaled(20_000, minimum=1_000))
    results.append(
        Result(
            f"append single (c={SINGLE_C}) with the audit job (fold, sign, CheckpointSigned)",
            audited_rate,
            target=RATIO_TARGET,
            baseline=plain,
            baseline_label="without",
            count=SINGLE_C * per_worker,
            detail=(
                f"best of {ROUNDS} each, fold every {FOLD_EVERY_S:g} s; "
                f"without {[round(r) for r in rates[False]]}, "
                f"with {[round(r) for r in rates[True]]}; ratio of the means "
                f"{statistics.mean(rates[True]) / statistics.mean(rates[False]):.2f}; "
                f"log folded {folded} leaves; "
                f"reading and folding a leaf alone: {fold_us:.1f} us of CPU"
            ),
            group=GROUP,
            extra={"fold_cpu_us_per_event": fold_us},
        )
    )
    return results
