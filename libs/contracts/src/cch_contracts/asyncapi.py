"""Generates the AsyncAPI 3.0 document of every topic and event (`make docs`)."""

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from cch_contracts.registry import REGISTRY, _load_all
from cch_contracts.topics import Topic, dlq_topic

_HEADERS = {
    "type": "object",
    "description": "Kafka headers carry opaque ids only, never patient data.",
    "properties": {
        "ce_id": {"type": "string", "description": "CloudEvent id (also the inbox key)"},
        "ce_type": {"type": "string"},
        "ce_source": {"type": "string"},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "correlationid": {"type": "string"},
    },
}


def _message_name(event_type: str) -> str:
    return event_type.removeprefix("cch.").replace(".", "-")


def build_document(version: str = "0.1.0") -> dict[str, Any]:
    """The AsyncAPI document as a dict, built from the registry so it cannot drift."""
    _load_all()
    specs = sorted(REGISTRY.values(), key=lambda s: s.type)
    _, top = models_json_schema(
        [(s.model, "validation") for s in specs], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in Topic:
        channel_id = topic.name.lower()
        channel_specs = [s for s in specs if s.topic == topic.value]
        channels[channel_id] = {
            "address": topic.value,
            "description": (
                f"Events keyed by opaque patient key; dead letters on {dlq_topic(topic)}."
            ),
            "messages": {
                _message_name(s.type): {"$ref": f"#/components/messages/{_message_name(s.type)}"}
                for s in channel_specs
            },
        }
        for spec in channel_specs:
            name = _message_name(spec.type)
            messages[name] = {
                "name": spec.type,
                "title": spec.model.__name__,
                "summary": spec.description,
                "contentType": "application/cloudevents+json",
                "headers": _HEADERS,
                "payload": {
                    "type": "object",
                    "description": "CloudEvents 1.0 structured-mode envelope",
                    "required": ["specversion", "id", "source", "type", "time", "data"],
                    "properties": {
                        "specversion": {"const": "1.0"},
                        "id": {"type": "string"},
                        "source": {"type": "string", "const": f"/cch/{spec.producer}"},
                        "type": {"const": spec.type},
                        "time": {"type": "string", "format": "date-time"},
                        "subject": {"type": "string"},
                        "datacontenttype": {"const": "application/json"},
                        "correlationid": {"type": "string"},
                        "causationid": {"type": "string"},
                        "data": {"$ref": f"#/components/schemas/{spec.model.__name__}"},
                    },
                },
            }
            operations[f"publish-{name}"] = {
                "action": "send",
                "summary": f"{spec.producer} publishes {spec.type}",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Care Closer to Home events",
            "version": version,
            "description": (
                "Every event the platform publishes. Delivery is at-least-once from a "
                "transactional outbox; consumers are idempotent through an inbox keyed by "
                "(consumer group, event id). Keys are opaque patient keys so that a "
                "patient's events stay in order."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "development": {"host": "127.0.0.1:19092", "protocol": "kafka"},
            "production": {"host": "kafka:9092", "protocol": "kafka"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="file to write (default stdout)")
    args = parser.parse_args(argv)
    text = yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
