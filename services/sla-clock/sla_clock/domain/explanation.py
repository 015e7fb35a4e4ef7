"""Why a deadline is where it is: every candidate target, and the one that applies.

A deadline may have two candidates (docs/domain.md §4.3): the priority's target (as overridden
for the request's team, profile or contract, §4.4) and the channel's standard. Each is counted
in its own basis from the same start, pauses included; the earlier due instant applies, a tie
going to the priority target. The explanation lists both, with their basis, calendar and due
instant, so that "due Saturday" can be read as "the channel's 24 clock hours beat P3's 8
business hours".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.vocabulary import Channel, Priority

from .deadlines import Calendars, Deadline, DeadlineKind, PausedTime, deadline_for
from .policy import SlaPolicy, Target, TimeBasis
from .targets import targets_for

RULE = "the earlier due instant applies; a tie goes to the priority target"


def candidate_targets(
    applied: Deadline,
    start: datetime,
    paused: PausedTime,
    priority: Priority,
    channel: Channel,
    policy: SlaPolicy,
    calendars: Calendars,
    calendar_name: str,
    profile: str | None = None,
    team: str | None = None,
) -> list[dict[str, Any]]:
    """Each target that competes for the ``applied`` deadline, in order (priority first), with
    ``applies`` true for the one that sets it (``applied`` is not computed again)."""
    kind = applied.kind
    targets = targets_for(policy, priority, channel, profile, team)
    overridden = policy.priorities[priority]
    options: list[tuple[str, Target | None, bool]]
    if kind is DeadlineKind.FIRST_RESPONSE:
        options = [
            (
                f"priority {priority.label}",
                targets.first_response,
                targets.first_response != overridden.first_response,
            ),
            (f"channel {channel.value}", targets.channel_first_response, False),
        ]
    elif kind is DeadlineKind.RESOLUTION:
        options = [
            (f"priority {priority.label}", targets.resolution, targets.resolution != overridden.resolution),
            (f"channel {channel.value}", targets.channel_resolution, False),
        ]
    else:
        options = [
            (
                f"priority {priority.label}",
                targets.update_cadence,
                targets.update_cadence != overridden.update_cadence,
            )
        ]
    cutoff = targets.apply_cutoff and kind is not DeadlineKind.NEXT_UPDATE
    found = [
        (
            source,
            target,
            override,
            applied
            if target == applied.target
            else deadline_for(kind, target, start, calendars, paused, apply_cutoff=cutoff),
        )
        for source, target, override in options
        if target is not None
    ]
    winner = min(range(len(found)), key=lambda i: found[i][3].due_at)  # min keeps the first of equals
    return [
        {
            "source": source,
            "overridden": override,
            "basis": target.basis.value,
            "target_seconds": target.duration.total_seconds(),
            "calendar": calendar_name if target.basis is TimeBasis.BUSINESS else "24/7",
            "start": deadline.start.isoformat(),
            "due_at": deadline.due_at.isoformat(),
            "applies": index == winner,
        }
        for index, (source, target, override, deadline) in enumerate(found)
    ]
