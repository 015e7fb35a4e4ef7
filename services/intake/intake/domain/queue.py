"""Order in which waiting requests are served (docs/domain.md §3.5).

Priority first, then first come, first served. A documented exception (validated P1,
security risk, major incident, contractual obligation) moves a request ahead of the
requests *of its own priority* only; exceptions among themselves stay first come, first
served. Jumping over a higher priority band would be a priority change in disguise: that
goes through `priority.validate_priority_change`, whose criteria include the same words
(security_risk, major_incident, contractual_obligation), so it is named and recorded.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from events.vocabulary import Priority
from intake.domain.vocabulary import QueueException


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """What ordering needs to know about a waiting request. `received_at` must be
    timezone-aware so that entries from different channels compare."""

    request_id: str
    priority: Priority
    received_at: datetime
    exception: QueueException | None = None

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None or self.received_at.utcoffset() is None:
            raise ValueError("received_at must be timezone-aware")


QueueKey = tuple[int, int, datetime, str]


def queue_key(entry: QueueEntry) -> QueueKey:
    """Sort key; smaller is served first. The request id breaks exact ties, which makes
    the order total (and so identical on every replica)."""
    without_exception = 0 if entry.exception is not None else 1
    return (entry.priority.rank, without_exception, entry.received_at, entry.request_id)


def order_queue(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    return sorted(entries, key=queue_key)
