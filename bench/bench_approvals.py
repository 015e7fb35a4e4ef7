"""Approvals on PostgreSQL: an approver's inbox among 10,000 pending approvals, and
submit-and-decide round trips.

* inbox: each of 200 approvers holds a level-2 habilitation scoped to one of 10 teams with a
  1,000 EUR ceiling; 200 rules versions are defined, each naming one approver for the level-2
  step, and 50 commercial gestures are submitted under each (10,000 pending approvals, 50
  waiting for each approver, through the message bus: events, projections, inbox rows): 40
  in the approver's team under the ceiling, 5 of another team, 5 over the ceiling. Then what
  ``GET /inbox`` does (the caller's rights from the recorded habilitations, then
  ``ApprovalViews.inbox``: the rows those rights may decide now, oldest first, 50 at most; 40
  here) is timed for random approvers, one after the other, once the tables are analysed (as
  autovacuum would after such a load): p50 / p99;
* round trips: with the default circuit back in force, 16 concurrent tasks each submit a
  200 EUR gesture (``SubmitForApproval``) then approve it as a director
  (``DecideApproval``, authority from the recorded habilitations adapter): two transactions
  per round trip, each appending its events and projecting them. The main figure is one
  process (this one); the same work is then run by two service processes on the same
  database (8 tasks each, still 16 in flight: the service is stateless and scales out), a
  line of its own.

``python -m bench.bench_approvals URL COUNT WRITERS`` is one such service process: it warms
up, prints ``ready``, waits for a line on stdin, runs COUNT round trips with WRITERS tasks and
prints its start, end and CPU time as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bench.core import Context, Result, scaled

INBOX_TARGET_MS = 20.0
ROUND_TRIP_TARGET = 500.0
APPROVERS = 200
WRITERS = int(os.environ.get("BENCH_APPROVALS_WRITERS", "16"))
GROUP = "approvals"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def run(ctx: Context) -> list[Result]:
    from sqlalchemy import text

    from approvals.adapters.authorisations import SqlAuthorisationsUnitOfWork
    from approvals.adapters.recorded_authorities import RecordedAuthorities
    from approvals.adapters.unit_of_work import SqlUnitOfWork
    from approvals.adapters.views import ApprovalViews
    from approvals.app import commands as c
    from approvals.app.authorisations import GrantHabilitation, authorisations_bus
    from approvals.app.bus import approvals_bus
    from approvals.domain.approval import Submission
    from approvals.domain.authority import Decider
    from approvals.domain.habilitations import Grant, Scope
    from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
    from approvals.service import DEFINITION
    from events.catalogue.approvals import CircuitStep, Money, StepRule
    from events.db import create_engine
    from events.envelope import Metadata
    from events.migrations import upgrade, upgrade_platform
    from events.store import SqlEventStore

    pending = scaled(10_000, minimum=APPROVERS, multiple=APPROVERS)
    per_approver = pending // APPROVERS
    round_trips = scaled(3_000, minimum=WRITERS * 4, multiple=WRITERS)
    engine = create_engine(
        await ctx.database(f"bench_approvals_{uuid.uuid4().hex[:8]}"), pool_size=WRITERS + 4
    )
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_approvals")
        store = SqlEventStore(engine, source="/guichet/approvals")
        clock = WallClock()
        authorities = RecordedAuthorities(engine)
        bus = approvals_bus(lambda: SqlUnitOfWork(store, clock, lambda: None), clock, authorities)
        grants = authorisations_bus(lambda: SqlAuthorisationsUnitOfWork(store, clock, lambda: None), clock)
        views = ApprovalViews(engine)
        metadata = Metadata(actor="bench")
        gesture = (Money(amount=Decimal(200), currency="EUR"),)

        def rules_naming(approver: str | None) -> ApprovalRules:
            step = CircuitStep(step=1, level=2, approvers=(approver,) if approver else ())
            return ApprovalRules(
                version=1,
                kinds=DEFAULT_RULES.kinds,
                thresholds=DEFAULT_RULES.thresholds,
                circuits=(StepRule(level=2, steps=(step,)), DEFAULT_RULES.circuits[1]),
                default_currency="EUR",
                compensation_kinds=DEFAULT_RULES.compensation_kinds,
            )

        ceiling = Money(amount=Decimal(1000), currency="EUR")
        over_ceiling = (Money(amount=Decimal(1200), currency="EUR"),)

        def team_of(number: int) -> str:
            return f"team-{number % 10}"

        async def submit(
            author: str, team: str | None = None, amounts: tuple[Money, ...] = gesture
        ) -> uuid.UUID:
            submission = Submission(
                uuid.uuid4(), uuid.uuid4().hex * 2, "commercial_gesture", author, amounts, team=team
            )
            approval = await bus.handle(c.SubmitForApproval(uuid.uuid4(), submission, metadata))
            return approval.id

        def waiting_for(number: int, n: int) -> Any:
            """Of ten submissions: one of another team, one over the ceiling, eight in scope."""
            if n % 10 == 9:
                return submit(f"agent-{n % 40}", team_of(number + 1))
            return submit(f"agent-{n % 40}", team_of(number), over_ceiling if n % 10 == 8 else gesture)

        began = time.perf_counter()
        director_bench = Decider("director-bench", ("director",), 3)
        for number in range(APPROVERS):
            scope = Scope(frozenset({team_of(number)}), ceiling=ceiling)
            grant = Grant(uuid.uuid4(), f"approver-{number:03d}", 2, scope, clock.now())
            await grants.handle(GrantHabilitation(grant, director_bench, metadata))
        for number in range(APPROVERS):
            await bus.handle(
                c.DefineRules(rules_naming(f"approver-{number:03d}"), "director-bench", None, metadata)
            )
            await asyncio.gather(*(waiting_for(number, n) for n in range(per_approver)))
        seeding = time.perf_counter() - began

        async with engine.begin() as connection:  # what autovacuum does after such a load
            await connection.execute(text("ANALYZE"))
        approvers = [f"approver-{n:03d}" for n in range(APPROVERS)]

        async def inbox_of(approver: str) -> list[dict[str, Any]]:
            rights = await authorities.rights(Decider(approver, ("manager",), 2), clock.now())
            return await views.inbox(rights, 50)

        for approver in approvers[:20]:
            await inbox_of(approver)
        latencies: list[float] = []
        sizes: set[int] = set()
        pick = random.Random(12)
        for _ in range(scaled(1_000, minimum=100)):
            approver = pick.choice(approvers)
            start = time.perf_counter()
            rows = await inbox_of(approver)
            latencies.append((time.perf_counter() - start) * 1000)
            sizes.add(len(rows))

        await bus.handle(c.DefineRules(rules_naming(None), "director-bench", None, metadata))
        director = director_bench
        queue: asyncio.Queue[int] = asyncio.Queue()
        for number in range(round_trips):
            queue.put_nowait(number)

        async def round_tripper() -> None:
            while not queue.empty():
                number = queue.get_nowait()
                approval_id = await submit(f"agent-{number % 40}")
                decided = await bus.handle(
                    c.DecideApproval(approval_id, "approve", director, metadata=metadata)
                )
                assert decided.status == "validated"

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(round_tripper() for _ in range(WRITERS)))
        rate = round_trips / (time.perf_counter() - began)
        cpu_per_trip = (time.process_time() - cpu) / round_trips
        load = os.getloadavg()[0]
        two = await in_service_processes(ctx_url(engine), round_trips, processes=2)
    finally:
        await engine.dispose()

    return [
        Result(
            f"approvals: inbox of one approver among {pending:,} pending, p99",
            percentile(latencies, 0.99),
            unit="ms",
            target=INBOX_TARGET_MS,
            lower_is_better=True,
            count=len(latencies),
            detail=(
                f"p50 {percentile(latencies, 0.5):.2f} ms; {APPROVERS} approvers, {per_approver} each; "
                f"rows per answer {sorted(sizes)}; seeded in {seeding:.0f} s ({pending / seeding:,.0f}/s)"
            ),
            group=GROUP,
        ),
        Result(
            f"approvals: submit-and-decide round trips (c={WRITERS}, PostgreSQL)",
            rate,
            unit="round trips/s",
            target=ROUND_TRIP_TARGET,
            count=round_trips,
            detail=(
                "two transactions each: ApprovalRequested, then ApprovalStepDecided + ResponseValidated; "
                f"one process, {1000 * cpu_per_trip:.2f} ms of its CPU per round trip; load {load:.1f}"
            ),
            group=GROUP,
        ),
        Result(
            f"approvals: submit-and-decide round trips, 2 service processes (c={WRITERS}, PostgreSQL)",
            two.rate,
            unit="round trips/s",
            count=two.count,
            detail=(
                f"{WRITERS // 2} tasks in each process, same database; {1000 * two.cpu_per_trip:.2f} ms "
                f"of the processes' CPU per round trip; load {two.load:.1f}"
            ),
            group=GROUP,
        ),
    ]


def ctx_url(engine: Any) -> str:
    """The engine's database URL, password included, for another process."""
    url: str = engine.url.render_as_string(hide_password=False)
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Spread:
    """Round trips run by several processes: the rate over the span from the first start to
    the last end."""

    def __init__(self, reports: list[dict[str, float]]) -> None:
        self.count = int(sum(r["count"] for r in reports))
        span = max(r["end"] for r in reports) - min(r["start"] for r in reports)
        self.rate = self.count / span
        self.cpu_per_trip = sum(r["cpu"] for r in reports) / self.count
        self.load = os.getloadavg()[0]


async def in_service_processes(url: str, round_trips: int, processes: int) -> Spread:
    """``round_trips`` split over ``processes`` service processes started together."""
    share, writers = round_trips // processes, WRITERS // processes
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bench_approvals",
            url,
            str(share),
            str(writers),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = await asyncio.wait_for(child.stdout.readline(), 300)
            if line.strip() != b"ready":
                raise RuntimeError(f"a service process did not start: {line!r}")
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        reports = []
        for child in children:
            out, _ = await asyncio.wait_for(child.communicate(), 600)
            if child.returncode != 0:
                raise RuntimeError(f"a service process failed ({child.returncode})")
            reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    return Spread(reports)


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def round_trip_on(engine: Any) -> Callable[[int], Awaitable[None]]:
    """One submit-and-decide round trip through the service's bus on ``engine``: a 200 EUR
    gesture submitted by agent ``number % 40``, then approved by a director."""
    from approvals.adapters.recorded_authorities import RecordedAuthorities
    from approvals.adapters.unit_of_work import SqlUnitOfWork
    from approvals.app import commands as c
    from approvals.app.bus import approvals_bus
    from approvals.domain.approval import Submission
    from approvals.domain.authority import Decider
    from events.catalogue.approvals import Money
    from events.envelope import Metadata
    from events.store import SqlEventStore

    store = SqlEventStore(engine, source="/guichet/approvals")
    clock = WallClock()
    bus = approvals_bus(lambda: SqlUnitOfWork(store, clock, lambda: None), clock, RecordedAuthorities(engine))
    metadata = Metadata(actor="bench")
    gesture = (Money(amount=Decimal(200), currency="EUR"),)
    director = Decider("director-bench", ("director",), 3)

    async def round_trip(number: int) -> None:
        submission = Submission(
            uuid.uuid4(), uuid.uuid4().hex * 2, "commercial_gesture", f"agent-{number % 40}", gesture
        )
        approval = await bus.handle(c.SubmitForApproval(uuid.uuid4(), submission, metadata))
        decided = await bus.handle(c.DecideApproval(approval.id, "approve", director, metadata=metadata))
        assert decided.status == "validated"

    return round_trip


async def serve_round_trips(url: str, count: int, writers: int) -> dict[str, float]:
    """One service process: its own engine and bus on the bench's database."""
    from events.db import create_engine

    engine = create_engine(url, pool_size=writers + 2)
    try:
        round_trip = round_trip_on(engine)

        async def round_trips(number: int) -> None:
            for n in range(number):
                await round_trip(n)

        await asyncio.gather(*(round_trips(4) for _ in range(writers)))  # warm-up
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        start, cpu = time.time(), time.process_time()
        await asyncio.gather(*(round_trips(count // writers) for _ in range(writers)))
        end = time.time()
        done = count // writers * writers
        return {"count": done, "start": start, "end": end, "cpu": time.process_time() - cpu}
    finally:
        await engine.dispose()


if __name__ == "__main__":
    report = asyncio.run(serve_round_trips(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    print(json.dumps(report), flush=True)
