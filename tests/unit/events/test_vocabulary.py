"""The shared vocabulary: values stored in events, so they never change."""

from events.vocabulary import Channel, Priority


def test_channel_values_are_the_agreed_lowercase_names() -> None:
    assert [c.value for c in Channel] == [
        "phone",
        "voicemail",
        "email",
        "visit",
        "letter",
        "chat",
        "web_form",
        "social_media",
    ]


def test_priorities_are_stored_lowercase_and_labelled_uppercase() -> None:
    assert [(p.value, p.label, p.rank) for p in Priority] == [
        ("p1", "P1", 1),
        ("p2", "P2", 2),
        ("p3", "P3", 3),
    ]
