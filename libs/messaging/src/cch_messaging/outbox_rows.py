"""Outbox rows written by a service's own statement, for a write that is one statement.

A unit of work writes its events at commit (uow.py). A write that is a single statement
(cch_db.one_statement) writes them in that statement instead, as a CTE: state and events then
commit together, or not at all, in one round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from cch_contracts import CloudEvent, EventPayload
from cch_messaging.relay_wake import has_local_relay, notify_channel, wake_local_relays
from cch_observability.context import causation_id_var, correlation_id_var, traceparent_var


@dataclass(frozen=True)
class OutgoingEvent:
    id: uuid.UUID
    payload: EventPayload
    key: str
    aggregate_type: str
    aggregate_id: str
    headers: str = "{}"  # JSON: correlation, causation and trace of what caused it


# (column, array type of its bind parameter)
_ARRAYS: tuple[tuple[str, str, Any], ...] = (
    ("id", "o_ids", ARRAY(UUID(as_uuid=True))),
    ("aggregate_type", "o_aggregate_types", ARRAY(sa.String)),
    ("aggregate_id", "o_aggregate_ids", ARRAY(sa.String)),
    ("type", "o_types", ARRAY(sa.String)),
    ("topic", "o_topics", ARRAY(sa.String)),
    ("key", "o_keys", ARRAY(sa.String)),
    ("payload", "o_payloads", ARRAY(sa.Text)),
    ("headers", "o_headers", ARRAY(sa.Text)),
)
_JSON_COLUMNS = ("payload", "headers")


class EventRouting(TypedDict):
    """Where an event goes and what it is about: uow.publish's and outgoing_event's key and
    aggregate arguments (the key is an opaque id, never PII)."""

    key: str
    aggregate_type: str
    aggregate_id: str


@lru_cache(maxsize=1024)
def headers_json(context: tuple[str | None, ...]) -> str:
    """Correlation, causation and trace of what caused an event, as the outbox's JSON."""
    names = ("correlationid", "causationid", "traceparent")
    return orjson.dumps({k: v for k, v in zip(names, context, strict=True) if v}).decode()


def outgoing_event(
    payload: EventPayload,
    *,
    key: str,
    aggregate_type: str,
    aggregate_id: str,
    caused_by: CloudEvent | None = None,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> OutgoingEvent:
    """An event to write to the outbox. Its correlation and causation are the current request's
    or event's, or `caused_by`'s (a batch handler names which of its events caused this one)."""
    if not payload.event_type:
        raise ValueError(f"{type(payload).__name__} is not a registered event payload")
    context: tuple[str | None, ...]
    if caused_by is not None:
        context = (caused_by.correlationid or caused_by.id, caused_by.id, None)
    else:
        context = (correlation_id_var.get(), causation_id_var.get(), traceparent_var.get())
    return OutgoingEvent(
        new_id(), payload, key, aggregate_type, aggregate_id, headers_json(context)
    )


def outbox_insert(outbox: sa.Table, *, when: sa.ColumnElement[bool] | None = None) -> sa.Insert:
    """INSERT of the events given as arrays (outbox_params), in publish order (the relay sends
    by seq), and only `when` holds; for use as a CTE of the caller's statement."""
    rows = (
        sa.func.unnest(*(sa.bindparam(param, type_=array) for _, param, array in _ARRAYS))
        .table_valued(*(column for column, _, _ in _ARRAYS), with_ordinality="n")
        .render_derived()
    )
    values = [
        sa.cast(rows.c[column], JSONB) if column in _JSON_COLUMNS else rows.c[column]
        for column, _, _ in _ARRAYS
    ]
    chosen = sa.select(*values).order_by(rows.c.n)
    if when is not None:
        chosen = chosen.where(when)
    return sa.insert(outbox).from_select([column for column, _, _ in _ARRAYS], chosen)


def outbox_params(events: Sequence[OutgoingEvent]) -> dict[str, list[Any]]:
    """The bind parameters of outbox_insert for these events."""
    return {
        "o_ids": [e.id for e in events],
        "o_aggregate_types": [e.aggregate_type for e in events],
        "o_aggregate_ids": [e.aggregate_id for e in events],
        "o_types": [e.payload.event_type for e in events],
        "o_topics": [e.payload.topic for e in events],
        "o_keys": [e.key for e in events],
        "o_payloads": [e.payload.model_dump_json() for e in events],
        "o_headers": [e.headers for e in events],
    }


def relay_needs_notify(outbox: sa.Table) -> bool:
    """Whether a statement writing to this outbox must NOTIFY a relay in another process (no
    relay of this process listens for its commits)."""
    return not has_local_relay(notify_channel(outbox.schema or "public"))


def notify_relay(outbox: sa.Table, count: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A column for the caller's final SELECT that wakes relays in other processes."""
    channel = notify_channel(outbox.schema or "public")
    return sa.func.pg_notify(sa.literal(channel), sa.cast(count, sa.Text))


def wake_relay(outbox: sa.Table) -> None:
    """After the statement committed: wake this process's relay (its rows are visible now)."""
    wake_local_relays(notify_channel(outbox.schema or "public"))
