"""Identities of the SLA clock's own event streams: the rules and one stream per request."""

from uuid import NAMESPACE_URL, UUID, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "https://guichet.dev/sla-clock")
POLICY_STREAM = uuid5(NAMESPACE, "policy")
CALENDAR_STREAM = uuid5(NAMESPACE, "calendars")


def request_stream(request_id: UUID) -> UUID:
    """The SLA stream of one request (``stream_type="sla"``)."""
    return uuid5(NAMESPACE, str(request_id))
