"""``make bench``: every benchmark on real PostgreSQL (fsync on) and Kafka, in one run.

Figures are printed one per line with their target and ratio, and written to
``bench/results/latest.json``. Environment:

* ``BENCH_SCALE`` (default 1): multiplies the event counts (0.1 = smoke run, ~1 min);
* ``BENCH_ONLY``: comma-separated bench names to run (``event_platform,business_time``);
* ``GUICHET_TEST_DATABASE_URL`` / ``GUICHET_TEST_KAFKA_BOOTSTRAP``: use these servers instead
  of starting local ones (their fsync setting is then whatever the server has: it is printed).

Adding a bench: a module with ``async def run(ctx: bench.core.Context) -> list[Result]``,
either listed in :data:`BENCH_MODULES` or saved as ``bench/bench_<name>.py`` (discovered).
A ``bench/bench_<name>.py`` script without such a ``run`` is run as a subprocess and its
output echoed (that is how ``bench_business_time.py`` runs).
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.core import Context, Result, scale
from events.heap import freeze_startup_heap

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "latest.json"
# Benches needing the servers, in run order. Intake / SLA-clock benches go here (or are
# discovered as bench/bench_<name>.py), each exposing ``async def run(ctx) -> list[Result]``.
BENCH_MODULES: list[str] = ["bench.event_platform"]
SUBPROCESS_TIMEOUT_S = 300
# A script's own "name: 123 calls/s (target 456, ratio 0.27)" line becomes a Result.
_SCRIPT_FIGURE = re.compile(
    r"^(?P<name>[^:\n]+): (?P<value>[\d,.]+) (?P<unit>[\w/]+)\s*\(target (?P<target>[\d,.]+)"
)


def _short(module: str) -> str:
    return module.rsplit(".", 1)[-1].removeprefix("bench_")


def _has_async_run(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(node, ast.AsyncFunctionDef) and node.name == "run" for node in tree.body)


def discover() -> tuple[list[str], list[Path]]:
    """(importable bench modules, stand-alone scripts), filtered by ``BENCH_ONLY``."""
    modules = list(BENCH_MODULES)
    scripts: list[Path] = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        if _has_async_run(path):
            modules.append(f"bench.{path.stem}")
        else:
            scripts.append(path)
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    if only:
        modules = [m for m in modules if _short(m) in only]
        scripts = [s for s in scripts if _short(s.stem) in only]
    return modules, scripts


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kb = 0
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def acquire_servers(need_kafka: bool) -> tuple[Any, Any]:
    """PostgreSQL (fsync on) and Kafka, started side by side."""
    os.environ["GUICHET_PG_FSYNC"] = "on"  # the local script keeps fsync on for benchmarks
    from events.testing.servers import acquire_kafka, acquire_postgres

    with ThreadPoolExecutor(max_workers=2) as pool:
        postgres = pool.submit(acquire_postgres)
        kafka = pool.submit(acquire_kafka) if need_kafka else None
        pg = postgres.result()
        try:
            return pg, kafka.result() if kafka else None
        except Exception:
            pg.stop()
            raise


def run_script(path: Path) -> tuple[list[Result], dict[str, Any]]:
    began = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_S,
            cwd=BENCH_DIR.parent,
        )
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired:
        output, code = f"timed out after {SUBPROCESS_TIMEOUT_S}s", -1
    results = []
    for line in output.splitlines():
        print(f"  | {line}")
        match = _SCRIPT_FIGURE.match(line)
        if match:
            results.append(
                Result(
                    match["name"].strip(),
                    float(match["value"].replace(",", "")),
                    unit=match["unit"],
                    target=float(match["target"].replace(",", "")),
                    group=_short(path.stem),
                )
            )
    return results, {
        "script": path.name,
        "exit_code": code,
        "output": output,
        "seconds": round(time.perf_counter() - began, 1),
    }


async def run_modules(ctx: Context, modules: list[str]) -> tuple[list[Result], list[str]]:
    results: list[Result] = []
    failures: list[str] = []
    for name in modules:
        print(f"\n== {_short(name)}", flush=True)
        try:
            module = importlib.import_module(name)
            freeze_startup_heap()  # as a service does once it is up (events.service.runtime)
            for result in await module.run(ctx):
                if result.group == "platform":
                    result.group = _short(name)
                results.append(result)
        except Exception as error:  # noqa: BLE001 - report, run the other benches
            failures.append(f"{name}: {error!r}")
            print(f"  FAILED: {error!r}", flush=True)
    return results, failures


def main() -> int:
    started = time.perf_counter()
    modules, scripts = discover()
    info: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(),
        "scale": scale(),
        "machine": machine(),
    }
    print(
        f"Guichet benchmarks, BENCH_SCALE={scale():g}, on {info['machine']['cpus']}x "
        f"{info['machine']['cpu']}, {info['machine']['memory_gib']} GiB, "
        f"Python {info['machine']['python']}",
        flush=True,
    )

    results: list[Result] = []
    failures: list[str] = []
    ctx: Context | None = None
    if modules:
        postgres, kafka = acquire_servers(need_kafka=True)
        try:
            fsync_note = (
                "fsync=on (local server started with GUICHET_PG_FSYNC=on)"
                if postgres.origin == "local"
                else f"{postgres.origin} server: fsync as configured (see below)"
            )
            print(
                f"PostgreSQL: {postgres.origin}, {fsync_note}; "
                f"Kafka: {kafka.origin if kafka else 'none'} {kafka.bootstrap if kafka else ''}",
                flush=True,
            )
            ctx = Context(
                postgres_url=postgres.url, kafka_bootstrap=kafka.bootstrap if kafka else None, scale=scale()
            )
            ctx.environment["postgres_origin"] = postgres.origin
            ctx.environment["kafka_origin"] = kafka.origin if kafka else None
            module_results, failures = asyncio.run(run_modules(ctx, modules))
            results += module_results
        finally:
            if kafka:
                kafka.stop()
            postgres.stop()

    scripts_out = []
    for path in scripts:
        print(f"\n== {_short(path.stem)} (subprocess: {path.name})", flush=True)
        script_results, record = run_script(path)
        results += script_results
        scripts_out.append(record)
        if record["exit_code"] != 0:
            failures.append(f"{path.name}: exit {record['exit_code']}")

    print("\n== summary", flush=True)
    if ctx is not None:
        pg = ctx.environment.get("postgres", {})
        print(
            f"PostgreSQL {pg.get('server_version', '?')}: fsync={pg.get('fsync', '?')}, "
            f"synchronous_commit={pg.get('synchronous_commit', '?')}, "
            f"shared_buffers={pg.get('shared_buffers', '?')}"
        )
    for result in results:
        print(result.line())
    for failure in failures:
        print(f"FAILED {failure}")
    elapsed = time.perf_counter() - started
    print(f"(total {elapsed:.0f} s; written to {RESULTS.relative_to(BENCH_DIR.parent)})")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                **info,
                "seconds": round(elapsed, 1),
                "environment": ctx.environment if ctx else {},
                "notes": ctx.notes if ctx else [],
                "results": [r.as_json() for r in results],
                "scripts": scripts_out,
                "failures": failures,
            },
            indent=2,
            default=str,
        )
        + "\n"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
