"""intake under load: ``POST /requests`` (a reception: ``intake.RequestReceived``) against the
service running in its own process, as in production.

* The service: ``uvicorn intake.api:app`` in a subprocess (``uvicorn[standard]``: uvloop and
  httptools), on 127.0.0.1 and a free port, in three configurations (:data:`CONFIGURATIONS`):
  the production defaults with ``--workers 1`` and ``--workers 2``, then two workers with
  ``GUICHET_DB_POOL_SIZE=30`` (a connection pool as large as the concurrency). Each on a fresh
  PostgreSQL database that the service migrates at start-up, the events table as outbox and
  the service's relay publishing to Kafka (the run's broker); ``GUICHET_JWT_SECRET`` set, as
  PostgreSQL requires. Ready when ``/readyz`` answers 200; stopped with SIGTERM (graceful).
* The load: 50 concurrent clients, each with its own keep-alive connection, posting valid
  bodies back to back, each with a distinct ``Idempotency-Key`` and a bearer token. They run
  in a separate process on a minimal HTTP/1.1 client (:class:`RawClient`, ~0.1 ms of CPU per
  request): httpx costs ~5 ms of CPU per request here, so on this 2-core machine it was the
  bottleneck and took the cores from the service (``--client httpx`` to see it).
* Measured: a warm-up (2 s), then a timed phase (8 s x ``BENCH_SCALE``, at least 2 s):
  throughput, latency p50/p90/p99/max, non-2xx responses and transport errors, CPU used by
  the service (and each worker), the local PostgreSQL server, the generator and the whole
  machine (Kafka and anything else running included); then the ``intake.RequestReceived``
  events in the store must equal the 201 responses (warm-up included): nothing lost, nothing
  doubled.

Run alone: ``.venv/bin/python -m bench.bench_intake`` (or pick: ``--workers 1,2 --env
GUICHET_DB_POOL_SIZE=30 --seconds 10 --clients 50 --generators 1 --client raw|httpx
--uvicorn-args '--loop asyncio'``), against
``GUICHET_TEST_DATABASE_URL`` / ``GUICHET_TEST_KAFKA_BOOTSTRAP`` or local servers;
``--profile DIR`` records py-spy stacks of each serving process during the timed phase (py-spy
in the venv), summarised by ``python -m bench.profile_intake DIR/*.txt``.
In ``make bench``: ``BENCH_ONLY=intake make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.core import Context, Result, scale
from events.service.auth import issue_token
from events.testing.servers import to_asyncpg_dsn

REPO = Path(__file__).resolve().parents[1]
CLIENTS = 50
#: (uvicorn workers, service environment): the production defaults with one and two workers,
#: then two workers with a connection pool as large as the concurrency (no waiting for it).
CONFIGURATIONS: tuple[tuple[int, dict[str, str]], ...] = (
    (1, {}),
    (2, {}),
    (2, {"GUICHET_DB_POOL_SIZE": "30"}),
)
WARMUP_S, TIMED_S = 2.0, 8.0
THROUGHPUT_TARGET = 2_000  # requests/s
P99_TARGET_MS = 50.0
READY_TIMEOUT_S = 120.0
SECRET = "bench-intake-" + secrets.token_hex(16)
CHANNELS = ("phone", "email", "web_form", "chat", "letter", "visit")
#: py-spy options for ``--profile``: only samples holding the GIL (waits and idle threads out).
PYSPY_ARGS = tuple(os.environ.get("BENCH_PYSPY_ARGS", "--format raw --nonblocking --gil --rate 250").split())


# --------------------------------------------------------------------------- the service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """``uvicorn intake.api:app`` in a subprocess (its own process group), logging to a file."""

    database_url: str
    workers: int = 1
    kafka_bootstrap: str | None = None
    extra_args: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    app: str = "intake.api:app"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
        env.update(GUICHET_DATABASE_URL=self.database_url, GUICHET_JWT_SECRET=SECRET)
        if self.kafka_bootstrap:
            env["GUICHET_KAFKA_BOOTSTRAP"] = self.kafka_bootstrap
        env.update(self.environment)
        fd, name = tempfile.mkstemp(prefix="bench-intake-", suffix=".log")
        self.log_path = Path(name)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--no-access-log",
            *self.extra_args,
        ]
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def pids(self) -> list[int]:
        """The serving processes: the one process, or the workers under uvicorn's supervisor."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        # multiprocessing's spawn also starts a resource tracker: keep the uvicorn workers only
        return [p for p in pids if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]

    def log_tail(self, chars: int = 10_000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:] if self.log_path else ""
        except OSError:
            return ""

    async def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        last = "no answer"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"intake exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    response = await client.get("/readyz")
                    if response.status_code == 200:
                        return
                    last = response.text
                except httpx.HTTPError as error:
                    last = repr(error)
                await asyncio.sleep(0.2)
        raise RuntimeError(f"intake not ready after {timeout:.0f} s: {last}\n{self.log_tail()}")

    def stop(self) -> str:
        """SIGTERM (uvicorn drains; the lifespan stops relay and engine), SIGKILL after 20 s.
        Returns the tail of the service's log."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        tail = self.log_tail()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
        return tail


# --------------------------------------------------------------------------- CPU accounting


def cpu_of(pids: list[int]) -> dict[int, float]:
    """utime + stime of each of these processes, in seconds, from /proc."""
    used = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def local_parent(pid: int, comm: str) -> int | None:
    """The parent of process ``pid`` if ``pid`` is a local process named ``comm``."""
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != comm:
            return None
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))


async def postmaster_of(database_url: str) -> int | None:
    """The PostgreSQL server's main process, if it runs on this machine."""
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        backend = int(await connection.fetchval("SELECT pg_backend_pid()"))
        return local_parent(backend, "postgres")
    finally:
        await connection.close()


class CpuMeter:
    """CPU seconds used between :meth:`start` and :meth:`stop` by the service's processes, by
    the PostgreSQL server (its postmaster's children: backends started meanwhile included,
    ended ones lost) when it is local, and by the whole machine (Kafka and whatever else runs
    on it included)."""

    def __init__(self, service_pids: list[int], postmaster: int | None) -> None:
        self.groups = {"service": lambda: service_pids}
        if postmaster is not None:
            self.groups["postgres"] = lambda: [postmaster, *children_of(postmaster)]

    def _sample(self) -> dict[str, Any]:
        line = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        busy = sum(int(v) for v in line) - int(line[3]) - int(line[4])  # minus idle and iowait
        return {
            "machine": busy / os.sysconf("SC_CLK_TCK"),
            **{name: cpu_of(pids()) for name, pids in self.groups.items()},
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        used = {
            name: sum(value - self.before[name].get(pid, 0.0) for pid, value in after[name].items())
            for name in self.groups
        }
        if len(after["service"]) > 1:  # each worker: is the load balanced?
            used |= {
                f"worker {i}": value - self.before["service"].get(pid, 0.0)
                for i, (pid, value) in enumerate(sorted(after["service"].items()), start=1)
            }
        return used | {"machine": after["machine"] - self.before["machine"]}


# --------------------------------------------------------------------------- the load


def bodies(prefix: str, count: int) -> list[bytes]:
    """Valid ``RequestCreate`` bodies, nothing missing (not flagged), varied by channel."""
    received = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return [
        orjson.dumps(
            {
                "channel": CHANNELS[i % len(CHANNELS)],
                "received_at": received,
                "contact": f"client{i}@example.org",
                "subject": f"Portail inaccessible {prefix}-{i}",
                "description": "Le client ne peut plus se connecter au portail depuis ce matin; "
                "message d'erreur 'session expirée' après la saisie du mot de passe.",
                "category": "technical",
            }
        )
        for i in range(count)
    ]


@dataclass
class Tally:
    """What one generator (or all, merged) saw."""

    latencies: list[float] = field(default_factory=list)  # timed phase only, seconds
    statuses: dict[int, int] = field(default_factory=dict)  # every response, warm-up included
    timed_statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # transport errors, by exception type
    per_second: dict[int, int] = field(default_factory=dict)  # responses per wall-clock second
    cpu: float = 0.0  # the generator's own CPU seconds during the timed phase

    def count(self, status: int, timed: bool, latency: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        second = int(time.time())
        self.per_second[second] = self.per_second.get(second, 0) + 1
        if timed:
            self.timed_statuses[status] = self.timed_statuses.get(status, 0) + 1
            self.latencies.append(latency)

    def merge(self, part: dict[str, Any]) -> None:
        self.latencies += part["latencies"]
        self.cpu += part["cpu"]
        for name in ("statuses", "timed_statuses", "errors", "per_second"):
            mine = getattr(self, name)
            for key, value in part[name].items():
                key = key if name == "errors" else int(key)
                mine[key] = mine.get(key, 0) + value


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on one asyncio stream, for one fixed request shape
    and ``Content-Length`` responses (what uvicorn sends). It costs ~0.1 ms of CPU per request
    where httpx costs ~5 ms here, so the generator leaves the machine's cores to the service."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /requests HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Accept: application/json\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes, key: str) -> int:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            self.head + f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, length, close = int(head[9:12]), 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection":
                close = value.strip().lower() == b"close"
        await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def generate(
    base_url: str,
    token: str,
    clients: int,
    start_at: float,
    timed_from: float,
    stop_at: float,
    kind: str,
    prefix: str,
) -> Tally:
    """``clients`` tasks posting back to back from ``start_at`` until ``stop_at``
    (``time.time()`` instants); responses sent before ``timed_from`` are the warm-up."""
    import httpx

    tally = Tally()
    pool = bodies(prefix, 997)
    host, port = base_url.removeprefix("http://").split(":")
    http = (
        httpx.AsyncClient(
            base_url=base_url,
            timeout=30,
            limits=httpx.Limits(max_connections=clients, max_keepalive_connections=clients),
        )
        if kind == "httpx"
        else None
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def client(n: int) -> None:
        raw = RawClient(host, int(port), token) if http is None else None
        i = 0
        try:
            while (sent := time.time()) < stop_at:
                key, body = f"{prefix}-{n}-{i}", pool[(n * 131 + i) % len(pool)]
                i += 1
                began = time.perf_counter()
                try:
                    if raw is not None:
                        status = await raw.post(body, key)
                    else:
                        assert http is not None
                        status = (
                            await http.post(
                                "/requests", content=body, headers=headers | {"Idempotency-Key": key}
                            )
                        ).status_code
                except Exception as error:  # noqa: BLE001 - counted and reported
                    tally.errors[type(error).__name__] = tally.errors.get(type(error).__name__, 0) + 1
                    if raw is not None:
                        await raw.close()
                    continue
                tally.count(status, sent >= timed_from, time.perf_counter() - began)
        finally:
            if raw is not None:
                await raw.close()

    await asyncio.sleep(max(0.0, start_at - time.time()))
    tasks = [asyncio.create_task(client(n)) for n in range(clients)]
    await asyncio.sleep(max(0.0, timed_from - time.time()))
    cpu_before = time.process_time()
    await asyncio.gather(*tasks)
    tally.cpu = time.process_time() - cpu_before
    if http is not None:
        await http.aclose()
    return tally


def generator_main(arguments: argparse.Namespace) -> None:
    """One generator process (``--generate``): writes its tally as JSON to ``--out``."""
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    tally = asyncio.run(
        generate(
            arguments.url,
            arguments.token,
            arguments.clients,
            arguments.start_at,
            arguments.timed_from,
            arguments.stop_at,
            arguments.client,
            arguments.prefix,
        )
    )
    Path(arguments.out).write_text(json.dumps(tally.__dict__))


async def load(
    service: Service, clients: int, generators: int, kind: str, warmup: float, seconds: float, prefix: str
) -> tuple[Tally, dict[str, float]]:
    """``generators`` processes sharing ``clients`` connections: their merged tally, and the
    CPU seconds used during the timed phase, by whom."""
    token = issue_token("bench-agent", team="support", secret=SECRET, ttl=timedelta(hours=1))
    start_at = time.time() + 1.0  # the generators import and connect before the load begins
    timed_from, stop_at = start_at + warmup, start_at + warmup + seconds
    share = [clients // generators + (1 if g < clients % generators else 0) for g in range(generators)]
    outputs = [Path(tempfile.mkstemp(prefix="bench-intake-load-", suffix=".json")[1]) for _ in share]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bench_intake",
            "--generate",
            "--url",
            service.base_url,
            "--token",
            token,
            "--clients",
            str(n),
            "--client",
            kind,
            "--prefix",
            f"{prefix}g{g}",
            "--start-at",
            repr(start_at),
            "--timed-from",
            repr(timed_from),
            "--stop-at",
            repr(stop_at),
            "--out",
            str(outputs[g]),
            cwd=REPO,
            stderr=asyncio.subprocess.PIPE,
        )
        for g, n in enumerate(share)
    ]
    await asyncio.sleep(max(0.0, timed_from - time.time()))
    meter = CpuMeter(service.pids(), await postmaster_of(service.database_url))
    meter.start()
    await asyncio.sleep(max(0.0, stop_at - time.time()))
    cpu = meter.stop()
    merged = Tally()
    try:
        for process, output in zip(processes, outputs, strict=True):
            _, err = await process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"load generator failed ({process.returncode}): {err.decode()[-2000:]}")
            merged.merge(json.loads(output.read_text()))
    finally:
        for output in outputs:
            output.unlink(missing_ok=True)
    return merged, cpu | {"generator": merged.cpu}


# --------------------------------------------------------------------------- one configuration


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


async def received_events(database_url: str) -> int:
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        return int(
            await connection.fetchval("SELECT count(*) FROM events WHERE type = 'intake.RequestReceived'")
        )
    finally:
        await connection.close()


async def server_settings(database_url: str) -> dict[str, str]:
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        return {
            name: await connection.fetchval(f"SHOW {name}")
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers", "max_connections")
        }
    finally:
        await connection.close()


@dataclass
class Run:
    """One configuration's figures (latencies in ms; ``cores``: CPU seconds per second)."""

    workers: int
    environment: dict[str, str]
    seconds: float
    timed: int  # responses in the timed phase
    throughput: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    created: int  # 201 responses, warm-up included
    non_2xx: int
    transport_errors: int
    events: int  # intake.RequestReceived in the store after the run
    cores: dict[str, float]
    statuses: dict[int, int]
    errors: dict[str, int]
    per_second: list[int]
    log: str = ""  # tail of the service's log

    @property
    def consistent(self) -> bool:
        return self.events == self.created

    @property
    def label(self) -> str:
        settings = "".join(f", {k.removeprefix('GUICHET_').lower()}={v}" for k, v in self.environment.items())
        return f"{self.workers} worker{'s' if self.workers > 1 else ''}{settings}"

    @property
    def cpu_text(self) -> str:
        service = self.cores.get("service", 0.0)
        per_request = service / self.throughput * 1e3 if self.throughput else float("nan")
        others = self.cores.get("machine", 0.0) - sum(
            v for k, v in self.cores.items() if k != "machine" and not k.startswith("worker ")
        )
        return (
            "cores used: "
            + ", ".join(f"{name} {value:.2f}" for name, value in self.cores.items())
            + f" (Kafka + anything else {max(others, 0.0):.2f}); service CPU "
            f"{per_request:.2f} ms/request"
        )

    def summary(self) -> str:
        return (
            f"{self.label}: {self.throughput:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p90 "
            f"{self.p90_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, max {self.max_ms:.0f} ms, non-2xx "
            f"{self.non_2xx}, transport errors {self.transport_errors}, RequestReceived events "
            f"{self.events:,} / 201s {self.created:,} {'OK' if self.consistent else 'MISMATCH'}; "
            f"{self.cpu_text}"
        )


async def measure(
    database_url: str,
    kafka: str | None,
    workers: int,
    *,
    clients: int = CLIENTS,
    environment: dict[str, str] | None = None,
    generators: int = 1,
    kind: str = "raw",
    warmup: float = WARMUP_S,
    seconds: float = TIMED_S,
    extra_args: tuple[str, ...] = (),
    profile: Path | None = None,
    app: str = "intake.api:app",
) -> Run:
    service = Service(database_url, workers, kafka, extra_args, environment or {}, app=app)
    service.start()
    try:
        await service.wait_ready()
        spies = (
            asyncio.create_task(record_profiles(service, profile, warmup + 1.0, seconds))
            if profile is not None
            else None
        )
        tally, cpu = await load(
            service, clients, generators, kind, warmup, seconds, prefix=f"w{workers}-{secrets.token_hex(3)}"
        )
        if spies is not None:
            await spies
    finally:
        log = service.stop()
    events = await received_events(database_url)
    latencies = sorted(tally.latencies)
    timed = sum(tally.timed_statuses.values())
    return Run(
        workers=workers,
        environment=service.environment,
        seconds=seconds,
        timed=timed,
        throughput=timed / seconds,
        p50_ms=percentile(latencies, 0.50) * 1e3,
        p90_ms=percentile(latencies, 0.90) * 1e3,
        p99_ms=percentile(latencies, 0.99) * 1e3,
        max_ms=latencies[-1] * 1e3 if latencies else 0.0,
        created=tally.statuses.get(201, 0),
        non_2xx=sum(n for status, n in tally.statuses.items() if not 200 <= status < 300),
        transport_errors=sum(tally.errors.values()),
        events=events,
        cores={name: used / seconds for name, used in cpu.items()},
        statuses=tally.statuses,
        errors=tally.errors,
        per_second=[tally.per_second[k] for k in sorted(tally.per_second)],
        log=log,
    )


async def record_profiles(service: Service, directory: Path, delay: float, seconds: float) -> None:
    """``py-spy record`` on each serving process for the timed phase (``BENCH_PYSPY_ARGS``)."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        raise RuntimeError(f"{spy} missing: install py-spy into the venv to profile")
    await asyncio.sleep(delay)
    processes = [
        await asyncio.create_subprocess_exec(
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            *PYSPY_ARGS,
            "-o",
            str(directory / f"w{service.workers}-{pid}.txt"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for pid in service.pids()
    ]
    for process in processes:
        _, err = await process.communicate()
        if process.returncode != 0:
            print(f"  py-spy failed: {err.decode()[-500:]}", flush=True)


# --------------------------------------------------------------------------- figures


def results_of(runs: list[Run], clients: int) -> list[Result]:
    best = max(runs, key=lambda run: run.throughput)
    results = [
        Result(
            f"intake POST /requests (c={clients}, best of {len(runs)} configurations)",
            best.throughput,
            "requests/s",
            target=THROUGHPUT_TARGET,
            count=best.timed,
            seconds=best.seconds,
            group="intake",
            detail=f"{best.label}: p50 {best.p50_ms:.1f} ms, p99 {best.p99_ms:.1f} ms, "
            f"non-2xx {best.non_2xx}",
            extra={
                "runs": [
                    {k: v for k, v in run.__dict__.items() if k != "log"} | {"consistent": run.consistent}
                    for run in runs
                ]
            },
        ),
        Result(
            f"intake POST /requests p99 (c={clients}, {best.label})",
            best.p99_ms,
            "ms",
            target=P99_TARGET_MS,
            lower_is_better=True,
            group="intake",
            count=best.timed,
        ),
    ]
    for run in runs:
        label = f"intake {run.label}"
        results += [
            Result(
                f"{label}: throughput",
                run.throughput,
                "requests/s",
                group="intake",
                count=run.timed,
                seconds=run.seconds,
                detail=run.cpu_text,
            ),
            Result(
                f"{label}: latency p50",
                run.p50_ms,
                "ms",
                group="intake",
                detail=f"p90 {run.p90_ms:.1f} ms, max {run.max_ms:.0f} ms",
            ),
            Result(f"{label}: latency p99", run.p99_ms, "ms", group="intake"),
            Result(
                f"{label}: non-2xx + transport errors",
                run.non_2xx + run.transport_errors,
                "responses",
                target=0,
                lower_is_better=True,
                group="intake",
                detail=f"statuses {run.statuses}, errors {run.errors}",
            ),
            Result(
                f"{label}: RequestReceived events - 201 responses",
                abs(run.events - run.created),
                "events",
                target=0,
                lower_is_better=True,
                group="intake",
                detail=f"{run.events:,} events, {run.created:,} x 201 (warm-up included)",
            ),
        ]
    return results


def timings() -> tuple[float, float]:
    """(warm-up, timed) seconds at this ``BENCH_SCALE``."""
    return max(1.0, WARMUP_S * min(scale(), 1.0)), max(2.0, TIMED_S * scale())


async def run(ctx: Context) -> list[Result]:
    warmup, seconds = timings()
    runs = []
    for n, (workers, environment) in enumerate(CONFIGURATIONS):
        url = await ctx.database("bench_intake" if n == 0 else f"bench_intake_{n}")
        if "postgres" not in ctx.environment:  # when the platform bench did not run
            ctx.environment["postgres"] = await server_settings(url)
        outcome = await measure(
            url, ctx.kafka_bootstrap, workers, environment=environment, warmup=warmup, seconds=seconds
        )
        print(f"  intake {outcome.summary()}", flush=True)
        if outcome.non_2xx or outcome.transport_errors:
            ctx.note(
                f"intake {outcome.label}: errors {outcome.statuses} {outcome.errors}; "
                f"service log tail:\n{outcome.log[-2000:]}"
            )
        runs.append(outcome)
    return results_of(runs, CLIENTS)


# --------------------------------------------------------------------------- alone


async def standalone(arguments: argparse.Namespace) -> None:
    from events.testing.servers import acquire_kafka, acquire_postgres, make_database

    os.environ["GUICHET_PG_FSYNC"] = "on"
    postgres = acquire_postgres()
    kafka = None if arguments.no_kafka else acquire_kafka()
    warmup, seconds = timings()
    if arguments.profile:
        arguments.profile.mkdir(parents=True, exist_ok=True)
    try:
        runs = []
        configurations = (
            [(int(w), dict(e.split("=", 1) for e in arguments.env)) for w in arguments.workers.split(",")]
            if arguments.workers
            else CONFIGURATIONS
        )
        for n, (workers, environment) in enumerate(configurations):
            url = await make_database(postgres.url, f"bench_intake_{n}")
            outcome = await measure(
                url,
                kafka.bootstrap if kafka else None,
                workers,
                clients=arguments.clients,
                environment=environment,
                generators=arguments.generators,
                kind=arguments.client,
                warmup=arguments.warmup or warmup,
                seconds=arguments.seconds or seconds,
                extra_args=tuple(arguments.uvicorn_args.split()),
                profile=arguments.profile,
                app=arguments.app,
            )
            print(
                f"intake {outcome.summary()}\n  responses per second: {outcome.per_second}\n"
                f"  statuses {outcome.statuses}, errors {outcome.errors}",
                flush=True,
            )
            if outcome.non_2xx or outcome.transport_errors:
                print(f"  service log (tail):\n{outcome.log[-6000:]}")
            runs.append(outcome)
        for result in results_of(runs, arguments.clients):
            print(result.line())
    finally:
        if kafka:
            kafka.stop()
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", help="e.g. 1,2 (default: the bench's configurations)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="GUICHET_X=value",
        help="service setting for --workers runs (repeatable)",
    )
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--generators", type=int, default=1, help="load generator processes")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--seconds", type=float, help="timed phase (default 10 x BENCH_SCALE)")
    parser.add_argument("--warmup", type=float)
    parser.add_argument("--no-kafka", action="store_true", help="in-process bus instead of Kafka")
    parser.add_argument("--uvicorn-args", default="", help="e.g. '--loop asyncio --http h11'")
    parser.add_argument("--profile", type=Path, help="record py-spy stacks of the service here")
    parser.add_argument(
        "--app",
        default="intake.api:app",
        help="ASGI app to load; bench.floor_app:app measures the HTTP floor",
    )
    # a generator process (internal)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    for name in ("--url", "--token", "--prefix", "--out"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    for name in ("--start-at", "--timed-from", "--stop-at"):
        parser.add_argument(name, type=float, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.generate:
        generator_main(arguments)
    else:
        asyncio.run(standalone(arguments))


if __name__ == "__main__":
    main()
