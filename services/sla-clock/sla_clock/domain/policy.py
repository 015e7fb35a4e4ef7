"""SLA policy: targets per priority and per channel, with defaults from docs/domain.md §4.2–4.3.

Units are explicit: every ``Target`` says whether its duration is business time (counted on
the organisation's BusinessCalendar) or clock time (counted on the 24/7 calendar). A business
day is counted as ``BUSINESS_DAY`` of business time, the length of the default opening day
(08:30–12:00 + 13:00–16:30 = 7 h): "2 business days" from Monday 10:00 is Wednesday 10:00.
An organisation with other hours authors its policy with its own day length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from events.vocabulary import Channel, Priority


class TimeBasis(StrEnum):
    BUSINESS = "business"
    CLOCK = "clock"


BUSINESS_DAY = timedelta(hours=7)


@dataclass(frozen=True)
class Target:
    duration: timedelta
    basis: TimeBasis

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError(f"a target duration must be positive, got {self.duration}")

    def to_spec(self) -> dict[str, Any]:
        seconds = self.duration.total_seconds()
        plain = int(seconds) if seconds.is_integer() else seconds
        return {"seconds": plain, "basis": self.basis.value}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Target:
        return cls(timedelta(seconds=spec["seconds"]), TimeBasis(spec["basis"]))


def _opt_spec(target: Target | None) -> dict[str, Any] | None:
    return None if target is None else target.to_spec()


def _opt_target(spec: Mapping[str, Any] | None) -> Target | None:
    return None if spec is None else Target.from_spec(spec)


def clock_hours(hours: float) -> Target:
    return Target(timedelta(hours=hours), TimeBasis.CLOCK)


def business_hours(hours: float) -> Target:
    return Target(timedelta(hours=hours), TimeBasis.BUSINESS)


def business_days(days: float) -> Target:
    return Target(BUSINESS_DAY * days, TimeBasis.BUSINESS)


@dataclass(frozen=True)
class PriorityTargets:
    first_response: Target
    update_cadence: Target
    resolution: Target


@dataclass(frozen=True)
class ChannelStandard:
    """Service standard of a channel; when present it caps the priority target of the same
    kind (the earlier of the two deadlines applies). ``None``: the channel sets no standard.
    Each target states its basis, clock or business time, as the policy's versioned data."""

    first_response: Target | None = None
    resolution: Target | None = None


@dataclass(frozen=True)
class TargetsOverride:
    """Replaces, for one priority, whichever priority targets are given (None = keep)."""

    first_response: Target | None = None
    update_cadence: Target | None = None
    resolution: Target | None = None


class OverrideScope(StrEnum):
    """Listed from the most to the least binding: a contract beats a profile beats a team."""

    CONTRACT = "contract"
    PROFILE = "profile"
    TEAM = "team"


OverrideKey = tuple[OverrideScope, str, Priority]


@dataclass(frozen=True, eq=True)
class SlaPolicy:
    """A versioned set of targets. Mappings are read-only views; not hashable."""

    version: int
    priorities: Mapping[Priority, PriorityTargets]
    channels: Mapping[Channel, ChannelStandard] = field(default_factory=dict)
    overrides: Mapping[OverrideKey, TargetsOverride] = field(default_factory=dict)
    # The cut-off only ever delays business-time counts: a P1 at 16:10 still gets 30 minutes.
    apply_cutoff: bool = True

    def __post_init__(self) -> None:
        missing = set(Priority) - set(self.priorities)
        if missing:
            raise ValueError(f"policy lacks targets for {sorted(missing)}")
        for name in ("priorities", "channels", "overrides"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    __hash__ = None  # type: ignore[assignment]

    def to_spec(self) -> dict[str, Any]:
        """JSON-ready plain data, e.g. for a ``SlaPolicyDefined`` payload. Priorities are
        keyed by label (``P1``), as stored since the first policy version."""
        return {
            "version": self.version,
            "apply_cutoff": self.apply_cutoff,
            "priorities": {
                p.label: {
                    "first_response": t.first_response.to_spec(),
                    "update_cadence": t.update_cadence.to_spec(),
                    "resolution": t.resolution.to_spec(),
                }
                for p, t in self.priorities.items()
            },
            "channels": {
                c.value: {
                    "first_response": _opt_spec(s.first_response),
                    "resolution": _opt_spec(s.resolution),
                }
                for c, s in self.channels.items()
            },
            "overrides": [
                {
                    "scope": scope.value,
                    "key": key,
                    "priority": priority.label,
                    "first_response": _opt_spec(o.first_response),
                    "update_cadence": _opt_spec(o.update_cadence),
                    "resolution": _opt_spec(o.resolution),
                }
                for (scope, key, priority), o in self.overrides.items()
            ],
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> SlaPolicy:
        priorities = {
            Priority[p]: PriorityTargets(
                Target.from_spec(t["first_response"]),
                Target.from_spec(t["update_cadence"]),
                Target.from_spec(t["resolution"]),
            )
            for p, t in spec["priorities"].items()
        }
        channels = {
            Channel(c): ChannelStandard(_opt_target(v["first_response"]), _opt_target(v["resolution"]))
            for c, v in spec["channels"].items()
        }
        overrides = {
            (OverrideScope(o["scope"]), o["key"], Priority[o["priority"]]): TargetsOverride(
                _opt_target(o["first_response"]),
                _opt_target(o["update_cadence"]),
                _opt_target(o["resolution"]),
            )
            for o in spec["overrides"]
        }
        return cls(spec["version"], priorities, channels, overrides, spec["apply_cutoff"])


DEFAULT_PRIORITY_TARGETS: Mapping[Priority, PriorityTargets] = MappingProxyType(
    {
        # "Restore ASAP" needs a number to alert on: 4 clock hours (docs/domain.md §4.2).
        Priority.P1: PriorityTargets(clock_hours(0.5), clock_hours(1), clock_hours(4)),
        # Resolution at the upper bound of the 1–2 and 3–5 business-day ranges.
        Priority.P2: PriorityTargets(business_hours(2), business_hours(4), business_days(2)),
        Priority.P3: PriorityTargets(business_hours(8), business_days(1), business_days(5)),
    }
)

#: The email standard "répondre sous 24 heures" read on the organisation's working time: one
#: business day, the same time on the next working day (docs/domain.md §4.3). An organisation
#: that answers around the clock sets ``clock_hours(24)`` in its policy instead.
EMAIL_WITHIN_24_HOURS = business_days(1)

# Channel standards (docs/domain.md §4.3). A web form is written and asynchronous like an
# email, so it gets the email standard. Phone, visit and chat are answered live ("before the
# 3rd ring"): no deadline to track.
DEFAULT_CHANNEL_STANDARDS: Mapping[Channel, ChannelStandard] = MappingProxyType(
    {
        Channel.EMAIL: ChannelStandard(EMAIL_WITHIN_24_HOURS, business_days(5)),
        Channel.WEB_FORM: ChannelStandard(EMAIL_WITHIN_24_HOURS, business_days(5)),
        Channel.VOICEMAIL: ChannelStandard(business_hours(4)),
        Channel.LETTER: ChannelStandard(business_days(2)),
        Channel.SOCIAL_MEDIA: ChannelStandard(business_days(2)),
        Channel.PHONE: ChannelStandard(),
        Channel.VISIT: ChannelStandard(),
        Channel.CHAT: ChannelStandard(),
    }
)

DEFAULT_POLICY = SlaPolicy(1, DEFAULT_PRIORITY_TARGETS, DEFAULT_CHANNEL_STANDARDS)
