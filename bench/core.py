"""What every bench module shares: the run context, results, and how a figure is printed.

A bench module is any module exposing ``async def run(ctx: Context) -> list[Result]``.
Add it to :data:`bench.__main__.BENCH_MODULES` (or name it ``bench/bench_<name>.py``, which is
discovered) and ``make bench`` runs it on the same servers, in the same run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any


def scale() -> float:
    """``BENCH_SCALE`` (default 1): multiplies every event count (0.1 for a smoke run)."""
    try:
        value = float(os.environ.get("BENCH_SCALE", "1") or 1)
    except ValueError as error:
        raise SystemExit(f"BENCH_SCALE must be a number: {error}") from None
    return max(value, 0.001)


def scaled(count: int, *, minimum: int = 1, multiple: int = 1) -> int:
    """``count * BENCH_SCALE``, at least ``minimum``, rounded down to a ``multiple``."""
    value = max(int(count * scale()), minimum)
    return max(value - value % multiple, multiple)


@dataclass
class Result:
    """One measured figure, with what it is compared to.

    * ``baseline`` set: the target is a ratio ``value / baseline >= target`` (e.g. 3x the
      eventsourcing library);
    * only ``target`` set: the target is absolute (``value >= target``, or ``value <= target``
      with ``lower_is_better``, for latencies and error counts);
    * neither: informational.
    """

    name: str
    value: float
    unit: str = "events/s"
    target: float | None = None
    baseline: float | None = None
    baseline_label: str | None = None
    count: int | None = None
    seconds: float | None = None
    detail: str = ""
    group: str = "platform"
    extra: dict[str, Any] = field(default_factory=dict)
    lower_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline:
            return self.value / self.baseline
        if self.target:
            return self.value / self.target
        return None

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        if self.baseline is not None:
            ratio = self.ratio
            return None if ratio is None else ratio >= self.target
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    def line(self) -> str:
        value = f"{self.name}: {_number(self.value)} {self.unit}"
        verdict = {True: "PASS", False: "FAIL", None: ""}[self.passed]
        if self.baseline is not None:
            text = (
                f"{value} | {self.baseline_label}: {self.baseline:,.0f} {self.unit} | "
                f"ratio {self.ratio:.2f}x (target >= {self.target:g}x) {verdict}"
            )
        elif self.target is not None and self.lower_is_better:
            text = f"{value} | target <= {_number(self.target)} {self.unit} {verdict}"
        elif self.target is not None:
            text = f"{value} | target >= {self.target:,.0f} {self.unit} | ratio {self.ratio:.2f}x {verdict}"
        else:
            text = f"{value} | no target (info)"
        if self.detail:
            text += f"  [{self.detail}]"
        return text

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(ratio=self.ratio, passed=self.passed)
        return data


def _number(value: float) -> str:
    """Thousands as ``1,234``; small values keep three significant digits (``2.46`` ms)."""
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3g}"


@dataclass
class Context:
    """The servers and settings of one ``make bench`` run, handed to every bench module."""

    postgres_url: str
    kafka_bootstrap: str | None
    scale: float
    environment: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)

    async def database(self, name: str) -> str:
        """A fresh, empty database on the bench server; returns its ``postgresql://`` URL."""
        from events.testing.servers import make_database

        return await make_database(self.postgres_url, name)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    began = time.perf_counter()
    outcome = await work()
    return outcome, time.perf_counter() - began
