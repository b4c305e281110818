"""The CloudEvent a relay puts on the broker: structured-mode JSON value and opaque headers."""

import json
from datetime import datetime
from json.encoder import encode_basestring_ascii as quote
from typing import Any

__all__ = ["cloud_event", "envelope", "headers_for", "kafka_headers", "quote"]


def envelope(row: Any, *, source: str) -> bytes:
    """The structured-mode CloudEvent the consumers read (`row.payload` a dict)."""
    return cloud_event(
        event_id=str(row.id),
        event_type=row.type,
        source_json=quote(source),
        created_at=row.created_at,
        subject=row.aggregate_id,
        data_json=json.dumps(row.payload, separators=(",", ":")),
        correlationid=row.headers.get("correlationid"),
        causationid=row.headers.get("causationid"),
    )


def cloud_event(
    *,
    event_id: str,
    event_type: str,
    source_json: str,
    created_at: datetime,
    subject: str | None,
    data_json: str,
    correlationid: str | None,
    causationid: str | None,
) -> bytes:
    """The envelope around a payload that is already JSON (the outbox keeps it as JSON), so the
    relay never decodes and re-encodes it; the other attributes are quoted by json's own
    escaper, so the text is exactly what json.dumps would give."""
    parts = [
        '{"specversion":"1.0","id":',
        quote(event_id),
        ',"source":',
        source_json,
        ',"type":',
        quote(event_type),
        ',"time":"',
        created_at.isoformat(),
        '","subject":',
        "null" if subject is None else quote(subject),
        ',"datacontenttype":"application/json","data":',
        data_json,
    ]
    if correlationid:
        parts += (',"correlationid":', quote(str(correlationid)))
    if causationid:
        parts += (',"causationid":', quote(str(causationid)))
    parts.append("}")
    return "".join(parts).encode()


def kafka_headers(row: Any, *, source: str) -> list[tuple[str, bytes]]:
    """Opaque ids only: never patient data in headers."""
    return headers_for(
        str(row.id),
        row.type,
        source.encode(),
        row.headers.get("traceparent"),
        row.headers.get("correlationid"),
    )


def headers_for(
    event_id: str,
    event_type: str,
    source: bytes,
    traceparent: str | None,
    correlationid: str | None,
) -> list[tuple[str, bytes]]:
    headers = [
        ("ce_id", event_id.encode()),
        ("ce_type", event_type.encode()),
        ("ce_source", source),
        ("ce_specversion", b"1.0"),
    ]
    if traceparent:
        headers.append(("traceparent", str(traceparent).encode()))
    if correlationid:
        headers.append(("correlationid", str(correlationid).encode()))
    return headers
