"""SLA policy defaults (docs/domain.md §4.2–4.5), overrides and plain-data round trip."""

import json
from datetime import timedelta

import pytest

from events.vocabulary import Channel, Priority
from sla_clock.domain.policy import (
    BUSINESS_DAY,
    DEFAULT_POLICY,
    ChannelStandard,
    OverrideScope,
    PriorityTargets,
    SlaPolicy,
    Target,
    TargetsOverride,
    TimeBasis,
    business_days,
    business_hours,
    clock_hours,
)
from sla_clock.domain.targets import targets_for

H = timedelta(hours=1)
CLOCK, BUSINESS = TimeBasis.CLOCK, TimeBasis.BUSINESS


def test_a_business_day_is_the_default_seven_hour_opening_day() -> None:
    assert BUSINESS_DAY == 7 * H
    assert business_days(2) == Target(14 * H, BUSINESS)


@pytest.mark.parametrize(
    ("priority", "first_response", "update", "resolution"),
    [
        (Priority.P1, Target(H / 2, CLOCK), Target(H, CLOCK), Target(4 * H, CLOCK)),
        (Priority.P2, Target(2 * H, BUSINESS), Target(4 * H, BUSINESS), Target(14 * H, BUSINESS)),
        (Priority.P3, Target(8 * H, BUSINESS), Target(7 * H, BUSINESS), Target(35 * H, BUSINESS)),
    ],
)
def test_priority_defaults_follow_the_domain_table(
    priority: Priority, first_response: Target, update: Target, resolution: Target
) -> None:
    expected = PriorityTargets(first_response, update, resolution)
    assert DEFAULT_POLICY.priorities[priority] == expected


@pytest.mark.parametrize(
    ("channel", "standard"),
    [
        (Channel.EMAIL, ChannelStandard(Target(7 * H, BUSINESS), Target(35 * H, BUSINESS))),
        (Channel.WEB_FORM, ChannelStandard(Target(7 * H, BUSINESS), Target(35 * H, BUSINESS))),
        (Channel.VOICEMAIL, ChannelStandard(Target(4 * H, BUSINESS))),
        (Channel.LETTER, ChannelStandard(Target(14 * H, BUSINESS))),
        (Channel.SOCIAL_MEDIA, ChannelStandard(Target(14 * H, BUSINESS))),
        (Channel.PHONE, ChannelStandard()),
        (Channel.VISIT, ChannelStandard()),
        (Channel.CHAT, ChannelStandard()),
    ],
)
def test_channel_standards_follow_the_service_charter(channel: Channel, standard: ChannelStandard) -> None:
    assert DEFAULT_POLICY.channels[channel] == standard


def test_the_default_policy_applies_the_cutoff() -> None:
    assert DEFAULT_POLICY.apply_cutoff


def test_targets_for_combines_priority_targets_and_the_channel_standard() -> None:
    resolved = targets_for(DEFAULT_POLICY, Priority.P3, Channel.VOICEMAIL)
    assert resolved.first_response == business_hours(8)
    assert resolved.channel_first_response == business_hours(4)
    assert resolved.channel_resolution is None
    assert resolved.resolution == business_days(5)


POLICY_WITH_OVERRIDES = SlaPolicy(
    2,
    DEFAULT_POLICY.priorities,
    DEFAULT_POLICY.channels,
    {
        (OverrideScope.TEAM, "level2", Priority.P2): TargetsOverride(
            first_response=business_hours(1), resolution=business_days(1.5)
        ),
        (OverrideScope.PROFILE, "vip", Priority.P2): TargetsOverride(first_response=clock_hours(1)),
        (OverrideScope.CONTRACT, "C-42", Priority.P2): TargetsOverride(resolution=business_days(1)),
    },
)


def test_a_contract_override_beats_a_profile_which_beats_a_team() -> None:
    resolved = targets_for(
        POLICY_WITH_OVERRIDES,
        Priority.P2,
        Channel.PHONE,
        profile="vip",
        team="level2",
        contract="C-42",
    )
    assert resolved.first_response == clock_hours(1)  # profile over team
    assert resolved.resolution == business_days(1)  # contract over team
    assert resolved.update_cadence == business_hours(4)  # nobody overrides it


def test_an_override_applies_only_to_its_key_and_priority() -> None:
    assert targets_for(POLICY_WITH_OVERRIDES, Priority.P2, Channel.PHONE, team="level1") == (
        targets_for(DEFAULT_POLICY, Priority.P2, Channel.PHONE)
    )
    p3 = targets_for(POLICY_WITH_OVERRIDES, Priority.P3, Channel.PHONE, contract="C-42")
    assert p3.resolution == business_days(5)
    team_only = targets_for(POLICY_WITH_OVERRIDES, Priority.P2, Channel.PHONE, team="level2")
    assert team_only.first_response == business_hours(1)
    assert team_only.resolution == business_days(1.5)


@pytest.mark.parametrize("policy", [DEFAULT_POLICY, POLICY_WITH_OVERRIDES])
def test_a_policy_survives_a_json_round_trip_of_its_spec(policy: SlaPolicy) -> None:
    spec = json.loads(json.dumps(policy.to_spec()))
    assert SlaPolicy.from_spec(spec) == policy


def test_a_policy_spec_keys_priorities_by_label_as_stored_policy_events_do() -> None:
    spec = POLICY_WITH_OVERRIDES.to_spec()
    assert list(spec["priorities"]) == ["P1", "P2", "P3"]
    assert {o["priority"] for o in spec["overrides"]} == {"P2"}


def test_a_target_spec_is_readable_plain_data() -> None:
    assert clock_hours(0.5).to_spec() == {"seconds": 1800, "basis": "clock"}
    assert Target.from_spec({"seconds": 1.5, "basis": "business"}) == Target(timedelta(seconds=1.5), BUSINESS)


def test_a_policy_must_cover_every_priority() -> None:
    partial = dict(DEFAULT_POLICY.priorities)
    del partial[Priority.P3]
    with pytest.raises(ValueError):
        SlaPolicy(1, partial)


def test_a_target_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Target(timedelta(0), CLOCK)


def test_a_policy_cannot_be_changed_in_place() -> None:
    with pytest.raises(TypeError):
        DEFAULT_POLICY.priorities[Priority.P1] = DEFAULT_POLICY.priorities[Priority.P2]  # type: ignore[index]
