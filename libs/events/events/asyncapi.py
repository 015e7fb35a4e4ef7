"""The published event catalogue: an AsyncAPI 3.1 document generated from the pydantic models.

``python -m events.asyncapi > docs/asyncapi.json`` (``make asyncapi``); a test fails when
the checked-in document is not what the code generates, another when the official AsyncAPI
parser reports an error in it (``tests/contracts``).

Pydantic keeps the models a payload nests under the payload's own ``$defs``; a reference is
resolved against the whole document, so they are hoisted into ``components.schemas`` and
their references rewritten.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from events.catalogue import DomainEvent, load_all
from events.topics import dead_letter_topic, topic_for

CE_HEADERS = {
    "type": "object",
    "description": "CloudEvents 1.0 binary mode: every attribute is a ce_<name> Kafka header.",
    "required": [
        "ce_id",
        "ce_source",
        "ce_specversion",
        "ce_type",
        "ce_time",
        "ce_subject",
        "ce_streamid",
        "ce_sequence",
        "ce_schemaversion",
    ],
    "properties": {
        "ce_id": {"type": "string", "description": "event id, UUIDv7 (sortable by time)"},
        "ce_source": {"type": "string", "examples": ["/guichet/intake"]},
        "ce_specversion": {"const": "1.0"},
        "ce_type": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "<stream type>/<stream id>"},
        "ce_datacontenttype": {"const": "application/json"},
        "ce_dataschema": {"type": "string", "description": "urn:guichet:schema:<type>:v<n>"},
        "ce_streamid": {"type": "string", "format": "uuid"},
        "ce_streamtype": {"type": "string"},
        "ce_sequence": {"type": "string", "description": "stream version, zero-padded to 20"},
        "ce_schemaversion": {"type": "string"},
        "ce_position": {"type": "string", "description": "position in the producer's store"},
        "ce_correlationid": {"type": "string"},
        "ce_causationid": {"type": "string"},
        "ce_actor": {"type": "string"},
        "ce_recordedat": {"type": "string", "format": "date-time"},
        "ce_hash": {"type": "string", "description": "SHA-256 hash chain link of the stream"},
        "ce_prevhash": {"type": "string"},
        "ce_pii": {"type": "string", "description": "JSON: subject, personal-data fields, key id"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "tracestate": {"type": "string"},
    },
}


ASYNCAPI_VERSION = "3.1.0"
_SCHEMAS = "#/components/schemas/"


def _message(model: type[DomainEvent], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization", ref_template=_SCHEMAS + "{model}")
    for name, nested in schema.pop("$defs", {}).items():
        if schemas.setdefault(name, nested) != nested:
            raise ValueError(f"two different schemas are named {name!r} ({model.__name__})")
    return {
        "name": model.event_type,
        "title": model.__name__,
        "summary": (model.__doc__ or "").strip().split("\n")[0] or model.__name__,
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": schema,
        "x-schema-version": model.schema_version,
        "x-personal-data-fields": sorted(model.pii_fields),
    }


def build_document() -> dict[str, Any]:
    registry = load_all()
    by_context: dict[str, list[type[DomainEvent]]] = defaultdict(list)
    for model in registry:
        if model.__module__.startswith("events.catalogue."):
            by_context[registry.context_of(model.event_type)].append(model)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventHeaders": CE_HEADERS}
    for context, models in sorted(by_context.items()):
        topic = topic_for(context)
        refs = {}
        for model in models:
            key = model.event_type.replace(".", "_")
            messages[key] = _message(model, schemas)
            refs[key] = {"$ref": f"#/components/messages/{key}"}
        channels[context] = {
            "address": topic,
            "description": f"Events of the {context} context, key = stream id (order per stream). "
            f"Malformed or unprocessable records are copied to {dead_letter_topic(topic)}.",
            "messages": refs,
        }
        operations[f"publish_{context}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{context}"},
            "summary": f"The {context} service's outbox relay publishes (at least once).",
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Guichet events",
            "version": "0.1.0",
            "description": "Every event Guichet services publish to Kafka. The event log is the "
            "audit trail; consumers deduplicate on ce_id.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
