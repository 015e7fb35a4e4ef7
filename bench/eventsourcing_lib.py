"""The baseline: the ``eventsourcing`` library (PyPI) with its PostgreSQL persistence.

Same work as ours: single-event saves on per-worker aggregates (each save = one stored
event: the aggregate already exists in memory, as after a command handler loaded it), and
batched saves of 100 pending events. The library is synchronous, so concurrency is threads
(psycopg 3 releases the GIL while waiting on the server), one connection per thread.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.workload import AUTHOR, TEXT


class Ticket(Aggregate):
    @event("Opened")
    def __init__(self, author: str, text: str) -> None:
        self.notes = 0

    @event("Noted")
    def note(self, seq: int, author: str, text: str) -> None:
        self.notes += 1


class TicketApp(Application):
    pass


def app_env(url: str, pool_size: int) -> dict[str, str]:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))  # a unix socket: ?host=/dir&port=N
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": query.get("host") or parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": query.get("port") or str(parts.port or 5432),
        "POSTGRES_USER": parts.username or "postgres",
        "POSTGRES_PASSWORD": parts.password or "",
        "POSTGRES_CREATE_TABLE": "y",
        "CREATE_TABLE": "y",
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_CONN_MAX_AGE": "",
        "IS_SNAPSHOTTING_ENABLED": "n",
    }


def _run_workers(concurrency: int, work: Any) -> float:
    barrier = threading.Barrier(concurrency + 1)

    def worker(index: int) -> None:
        barrier.wait()
        work(index)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(worker, i) for i in range(concurrency)]
        barrier.wait()
        began = time.perf_counter()
        for future in futures:
            future.result()
        return time.perf_counter() - began


def append_single(app: TicketApp, concurrency: int, per_worker: int) -> tuple[int, float]:
    """Each thread: open its ticket (1 event), then ``per_worker - 1`` saves of one note."""

    def work(index: int) -> None:
        ticket = Ticket(author=AUTHOR, text=TEXT)
        app.save(ticket)
        for seq in range(1, per_worker):
            ticket.note(seq=seq, author=AUTHOR, text=TEXT)
            app.save(ticket)

    return concurrency * per_worker, _run_workers(concurrency, work)


def append_batched(app: TicketApp, concurrency: int, per_worker: int, batch: int) -> tuple[int, float]:
    """Each thread: saves of ``batch`` pending events each (the first batch opens the ticket)."""

    def work(index: int) -> None:
        ticket: Ticket | None = None
        seq = 0
        for _ in range(per_worker // batch):
            pending = batch
            if ticket is None:
                ticket = Ticket(author=AUTHOR, text=TEXT)
                pending -= 1
            for _ in range(pending):
                seq += 1
                ticket.note(seq=seq, author=AUTHOR, text=TEXT)
            app.save(ticket)

    return concurrency * (per_worker // batch) * batch, _run_workers(concurrency, work)


def open_app(url: str, pool_size: int) -> TicketApp:
    return TicketApp(env=app_env(url, pool_size))


def stored_count(app: TicketApp) -> int:
    return int(app.recorder.max_notification_id() or 0)
