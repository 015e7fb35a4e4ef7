"""Words shared by several contexts: the values their events carry for channels and priorities.

Values are lowercase strings because they end up in events and JSON; renaming a value is
an event-schema change, adding one is not.
"""

from enum import StrEnum


class Channel(StrEnum):
    """Where a request came in (docs/domain.md §1.2)."""

    PHONE = "phone"
    VOICEMAIL = "voicemail"
    EMAIL = "email"
    VISIT = "visit"
    LETTER = "letter"
    CHAT = "chat"
    WEB_FORM = "web_form"
    SOCIAL_MEDIA = "social_media"


class Priority(StrEnum):
    """P1 is the most urgent. Compare with `rank`, not with `<` on the string values."""

    P1 = "p1"
    P2 = "p2"
    P3 = "p3"

    @property
    def rank(self) -> int:
        """1 for P1, 2 for P2, 3 for P3: lower is served first."""
        return int(self.value[1:])

    @property
    def label(self) -> str:
        """``P1``: how people write it, and how SLA policy specs key their targets."""
        return self.name
