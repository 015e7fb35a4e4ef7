"""Topic naming: one Kafka topic per bounded context, ``guichet.<context>``, keyed by stream id.

A stream's events share a key, so they land on one partition and keep their order. The
dead-letter topic of a consumed topic is ``<topic>.dlq``.
"""

PREFIX = "guichet"


def topic_for(context: str) -> str:
    return f"{PREFIX}.{context}"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
