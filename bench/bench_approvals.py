"""Approvals on PostgreSQL: an approver's inbox among 10,000 pending approvals, and
submit-and-decide round trips.

* inbox: 200 rules versions are defined, each naming one approver for the level-2 step, and
  50 commercial gestures are submitted under each (10,000 pending approvals, 50 waiting for
  each of 200 approvers, through the message bus: events, projections, inbox rows). Then
  ``ApprovalViews.inbox`` (the query behind ``GET /inbox``: the approver's named rows and the
  level rows, minus their own contents and what they already approved, oldest first, 50 at
  most) is timed for random approvers, one query after the other, once the tables are
  analysed (as autovacuum would after such a load): p50 / p99;
* round trips: with the default circuit back in force, 16 concurrent tasks each submit a
  200 EUR gesture (``SubmitForApproval``) then approve it as a director
  (``DecideApproval``, authority from the recorded habilitations adapter): two transactions
  per round trip, each appending its events and projecting them.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

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

    from approvals.adapters.recorded_authorities import RecordedAuthorities
    from approvals.adapters.unit_of_work import SqlUnitOfWork
    from approvals.adapters.views import ApprovalViews
    from approvals.app import commands as c
    from approvals.app.bus import approvals_bus
    from approvals.domain.approval import Submission
    from approvals.domain.authority import Decider
    from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
    from approvals.service import DEFINITION
    from events.catalogue.approvals import CircuitStep, Money, StepRule
    from events.db import create_engine
    from events.envelope import Metadata
    from events.migrations import upgrade, upgrade_platform
    from events.store import SqlEventStore

    class Clock:
        def now(self) -> datetime:
            return datetime.now(UTC)

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
        clock = Clock()
        bus = approvals_bus(
            lambda: SqlUnitOfWork(store, clock, lambda: None), clock, RecordedAuthorities(engine)
        )
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

        async def submit(author: str) -> uuid.UUID:
            submission = Submission(uuid.uuid4(), uuid.uuid4().hex * 2, "commercial_gesture", author, gesture)
            approval = await bus.handle(c.SubmitForApproval(uuid.uuid4(), submission, metadata))
            return approval.id

        began = time.perf_counter()
        for number in range(APPROVERS):
            await bus.handle(
                c.DefineRules(rules_naming(f"approver-{number:03d}"), "director-bench", None, metadata)
            )
            await asyncio.gather(*(submit(f"agent-{n % 40}") for n in range(per_approver)))
        seeding = time.perf_counter() - began

        async with engine.begin() as connection:  # what autovacuum does after such a load
            await connection.execute(text("ANALYZE"))
        approvers = [f"approver-{n:03d}" for n in range(APPROVERS)]
        for approver in approvers[:20]:
            await views.inbox([approver], 2, 50)
        latencies: list[float] = []
        sizes: set[int] = set()
        pick = random.Random(12)
        for _ in range(scaled(1_000, minimum=100)):
            approver = pick.choice(approvers)
            start = time.perf_counter()
            rows = await views.inbox([approver], 2, 50)
            latencies.append((time.perf_counter() - start) * 1000)
            sizes.add(len(rows))

        await bus.handle(c.DefineRules(rules_naming(None), "director-bench", None, metadata))
        director = Decider("director-bench", ("director",), 3)
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

        began = time.perf_counter()
        await asyncio.gather(*(round_tripper() for _ in range(WRITERS)))
        rate = round_trips / (time.perf_counter() - began)
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
            detail="two transactions each: ApprovalRequested, then ApprovalStepDecided + ResponseValidated",
            group=GROUP,
        ),
    ]
