"""Which targets apply to one request: priority targets, overrides, channel standard."""

from __future__ import annotations

from dataclasses import dataclass

from events.vocabulary import Channel, Priority

from .policy import (
    ChannelStandard,
    OverrideScope,
    PriorityTargets,
    SlaPolicy,
    Target,
)


@dataclass(frozen=True)
class ResolvedTargets:
    """Targets that apply to one request. Channel targets, when set, cap the priority target
    of the same kind: the deadline is the earlier of the two."""

    first_response: Target
    update_cadence: Target
    resolution: Target
    channel_first_response: Target | None
    channel_resolution: Target | None
    apply_cutoff: bool


def targets_for(
    policy: SlaPolicy,
    priority: Priority,
    channel: Channel,
    profile: str | None = None,
    team: str | None = None,
    contract: str | None = None,
) -> ResolvedTargets:
    """Priority targets, overridden team < profile < contract (the contract is binding, the
    team's the least specific), plus the channel standard."""
    t = policy.priorities[priority]
    for scope, key in (
        (OverrideScope.TEAM, team),
        (OverrideScope.PROFILE, profile),
        (OverrideScope.CONTRACT, contract),
    ):
        found = None if key is None else policy.overrides.get((scope, key, priority))
        if found is not None:
            t = PriorityTargets(
                found.first_response or t.first_response,
                found.update_cadence or t.update_cadence,
                found.resolution or t.resolution,
            )
    standard = policy.channels.get(channel, ChannelStandard())
    return ResolvedTargets(
        t.first_response,
        t.update_cadence,
        t.resolution,
        channel_first_response=standard.first_response,
        channel_resolution=standard.resolution,
        apply_cutoff=policy.apply_cutoff,
    )
