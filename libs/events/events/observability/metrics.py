"""Prometheus metrics of the event platform, shared by every service process."""

from prometheus_client import Counter, Gauge, Histogram

APPENDS = Counter("guichet_events_appended_total", "Events appended to the store", ["source"])
CONFLICTS = Counter(
    "guichet_append_conflicts_total", "Appends refused for a stale expected version", ["source"]
)
RELAY_PUBLISHED = Counter("guichet_relay_published_total", "Events the relay published", ["source"])
RELAY_LAG = Gauge(
    "guichet_relay_lag_seconds",
    "Age of the oldest committed event the relay has not yet published (0 when caught up)",
    ["source"],
)
RELAY_PUBLISHER_UP = Gauge(
    "guichet_relay_publisher_up",
    "1 while the relay's broker answers, 0 while it cannot be reached",
    ["source"],
)
CONSUMED = Counter(
    "guichet_consumer_events_total",
    "Events handled by a consumer, by outcome",
    ["consumer", "outcome"],
)
DEAD_LETTERED = Counter("guichet_dead_lettered_total", "Messages sent to a dead-letter topic", ["consumer"])
HTTP_LATENCY = Histogram(
    "guichet_http_request_seconds",
    "HTTP request latency by route template",
    ["service", "method", "route", "status"],
)
