"""Where the intake service's CPU goes: py-spy raw stacks folded into layers and steps.

    .venv/bin/python -m bench.bench_intake --workers 1 --profile /tmp/intake-prof
    .venv/bin/python -m bench.profile_intake /tmp/intake-prof/w1-*.txt

``bench_intake --profile`` records each serving process with ``py-spy record --format raw
--nonblocking --gil`` (only samples holding the GIL: idle threads and waits are left out).
Every sample is given to the *deepest* frame that matches a layer (so SQLAlchemy calling
asyncpg counts as asyncpg), and separately to the create path's steps it is under (inclusive).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

#: (layer, substrings of a frame "function (path:line)"), the first matching wins per frame.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("JWT / auth", ("jwt/", "events/service/auth.py")),
    ("logging (structlog)", ("structlog/", "logging/__init__")),
    ("metrics (prometheus)", ("prometheus_client/",)),
    ("OpenTelemetry", ("opentelemetry/",)),
    ("relay + Kafka producer", ("events/relay.py", "aiokafka/", "kafka/", "events/bus.py")),
    ("asyncpg (protocol, I/O)", ("asyncpg/", "sqlalchemy/dialects/postgresql/asyncpg.py")),
    ("SQLAlchemy greenlet bridge", ("sqlalchemy/util/concurrency.py", "greenlet")),
    ("SQLAlchemy (compile, execute, results, pool)", ("sqlalchemy/",)),
    (
        "event store (envelope, hash)",
        (
            "events/store/",
            "events/envelope",
            "events/integrity",
            "events/aggregate",
            "events/ids",
            "uuid6",
            "events/catalogue",
        ),
    ),
    (
        "pydantic (validation, serialisation)",
        ("pydantic/", "pydantic_core", "fastapi/_compat", "fastapi/encoders"),
    ),
    (
        "thread pool hops (sync dependencies)",
        ("anyio/", "starlette/concurrency", "threading.py", "queue.py", "concurrent/futures"),
    ),
    ("FastAPI dependencies", ("fastapi/dependencies/",)),
    ("intake (routes, handlers, domain, projection)", ("intake/",)),
    ("platform middleware (ids, body limit, latency)", ("events/service/",)),
    ("FastAPI / Starlette routing + middleware", ("fastapi/", "starlette/")),
    ("uvicorn + httptools (HTTP)", ("uvicorn/protocols", "httptools", "uvicorn/middleware")),
    ("event loop (uvloop, asyncio, sockets)", ("asyncio/", "uvloop", "Runner.run", "contextlib.py")),
]

#: Steps of ``POST /requests``: inclusive time under these frames. Approximate: py-spy cannot
#: follow a coroutine into the greenlet where SQLAlchemy runs a statement, and ``--nonblocking``
#: truncates some stacks, so the SQL work of each step is mostly counted in the layers above.
STEPS: list[tuple[str, str]] = [
    ("whole request (ASGI app)", "ProxyHeadersMiddleware.__call__"),
    ("route handler receive_request", "receive_request (intake/entrypoints/request_reads.py"),
    ("  bus + command handler (one transaction)", "IntakeBus.handle"),
    ("    idempotency claim", "SqlIdempotencyKeys.claim"),
    ("    reference number", "next_reference"),
    ("    event store append (save)", "save (events/aggregate.py"),
    ("    read-model insert (project_request)", "project_request"),
    ("    BEGIN / COMMIT (unit of work enter/exit)", "SqlUnitOfWork.__a"),
    ("  response body (request_read)", "request_read (intake/entrypoints/request_views.py"),
    ("FastAPI dependencies (solve_dependencies)", "solve_dependencies"),
    ("FastAPI response serialisation (serialize_response)", "serialize_response"),
    ("relay (outbox -> Kafka)", "events/relay.py"),
]


def load(paths: list[str]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        for line in Path(path).read_text().splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                stacks.append((frames.split(";"), int(count)))
    return stacks


def layer_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for layer, needles in LAYERS:
            if any(needle in frame for needle in needles):
                return layer
    return "other (interpreter, imports, gc)"


def report(paths: list[str]) -> str:
    stacks = load(paths)
    total = sum(count for _, count in stacks) or 1
    layers: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    for frames, count in stacks:
        layers[layer_of(frames)] += count
        for step, needle in STEPS:
            if any(needle in frame for frame in frames):
                steps[step] += count
    lines = [f"{total} samples holding the GIL", "", "By layer (deepest matching frame):"]
    lines += [f"  {100 * n / total:5.1f} %  {layer}" for layer, n in layers.most_common()]
    lines += ["", "By step of POST /requests (inclusive):"]
    lines += [f"  {100 * steps[step] / total:5.1f} %  {step}" for step, _ in STEPS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(sys.argv[1:]))
