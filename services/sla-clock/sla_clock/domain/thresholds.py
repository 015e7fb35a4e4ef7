"""Alert thresholds of a deadline (docs/domain.md §6.5): warning at 80 % of the target, breach at 100 %."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .deadlines import Deadline

WARNING_FRACTION = Fraction(4, 5)


class ThresholdKind(StrEnum):
    WARNING = "warning"  # 80 % of the target elapsed
    BREACH = "breach"  # 100 %


def warning_share(duration: timedelta) -> timedelta:
    """80 % of ``duration``, rounded down to the microsecond (exact: no float)."""
    return duration * WARNING_FRACTION.numerator // WARNING_FRACTION.denominator


def thresholds(deadline: Deadline) -> tuple[tuple[ThresholdKind, datetime], ...]:
    """``((WARNING, warning_at), (BREACH, due_at))``, in time order."""
    return ((ThresholdKind.WARNING, deadline.warning_at), (ThresholdKind.BREACH, deadline.due_at))


def crossed_thresholds(deadline: Deadline, now: datetime) -> tuple[ThresholdKind, ...]:
    """Thresholds reached at ``now`` (a threshold is reached at its instant, inclusive)."""
    return tuple(kind for kind, at in thresholds(deadline) if at <= now)
