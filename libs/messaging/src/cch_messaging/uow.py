"""Unit of Work that also records outgoing events (outbox) and applied ones (inbox)."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cch_contracts import CloudEvent, EventPayload
from cch_db import UnitOfWork
from cch_observability.context import causation_id_var, correlation_id_var, traceparent_var


@dataclass(frozen=True)
class OutgoingEvent:
    id: uuid.UUID
    payload: EventPayload
    key: str
    aggregate_type: str
    aggregate_id: str
    headers: str = "{}"  # JSON: correlation, causation and trace of what caused it


@dataclass(frozen=True)
class InboxEntry:
    event_id: str
    event_type: str
    topic: str
    partition: int
    offset: int


_CLAIM_STATEMENTS: dict[str, sa.TextClause] = {}
_OUTBOX_STATEMENTS: dict[tuple[str, bool], sa.TextClause] = {}


def _quoted(table: sa.Table) -> str:
    """The table's schema-qualified name, quoted, for the statements written as text."""
    parts = [p for p in (table.schema, table.name) if p]
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def notify_channel(schema: str) -> str:
    return f"cch_outbox_{schema}"


# relays running in this process, by channel: (their event loop, their wake-up)
_LOCAL_RELAYS: dict[str, list[tuple[asyncio.AbstractEventLoop, Callable[[], None]]]] = {}


def listen_locally(channel: str, wake: Callable[[], None]) -> Callable[[], None]:
    """Register a relay of this process for commits on `channel`; returns the unregister.
    While one is registered, commits here wake it directly instead of sending a NOTIFY: a
    NOTIFY holds a database-wide lock from before the commit until it is flushed, so
    notifying writers commit one at a time."""
    entry = (asyncio.get_running_loop(), wake)
    _LOCAL_RELAYS.setdefault(channel, []).append(entry)

    def unregister() -> None:
        relays = _LOCAL_RELAYS.get(channel, [])
        if entry in relays:
            relays.remove(entry)
        if not relays:
            _LOCAL_RELAYS.pop(channel, None)

    return unregister


def _has_local_relay(channel: str) -> bool:
    """A relay whose event loop has closed without unregistering no longer counts."""
    relays = _LOCAL_RELAYS.get(channel)
    if relays:
        relays[:] = [(loop, wake) for loop, wake in relays if not loop.is_closed()]
    return bool(relays)


def _wake_local_relays(channel: str) -> None:
    for loop, wake in list(_LOCAL_RELAYS.get(channel, ())):
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is running:
            wake()
        elif not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed in the meantime
                loop.call_soon_threadsafe(wake)


class MessagingUnitOfWork(UnitOfWork):
    """State, its outbox rows and the inbox record of what was applied share one transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        outbox: sa.Table,
        inbox: sa.Table,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        super().__init__(sessions)
        self._outbox = outbox
        self._inbox = inbox
        self._new_id = new_id
        self._pending: list[OutgoingEvent] = []
        self.published: list[OutgoingEvent] = []
        self.current_record: Any = None  # the Kafka record being applied, for handlers that index
        self.current_records: list[Any] = []  # a batch handler's records, in its events' order
        self._headers_for: tuple[tuple[str | None, ...], str] = ((), "{}")
        self._wake_channel: str | None = None

    async def __aenter__(self) -> "MessagingUnitOfWork":
        self._pending = []
        await super().__aenter__()
        return self

    def publish(
        self,
        payload: EventPayload,
        *,
        key: str,
        aggregate_type: str,
        aggregate_id: str,
        caused_by: CloudEvent | None = None,
    ) -> uuid.UUID:
        """Queue an event; it is written to the outbox when (and only if) the UoW commits.
        Its correlation and causation are the current request's or event's, or `caused_by`'s
        (a batch handler names which of its events caused this one)."""
        if not payload.event_type:
            raise ValueError(f"{type(payload).__name__} is not a registered event payload")
        context: tuple[str | None, ...]
        if caused_by is not None:
            context = (caused_by.correlationid or caused_by.id, caused_by.id, None)
        else:
            context = (correlation_id_var.get(), causation_id_var.get(), traceparent_var.get())
        event = OutgoingEvent(
            self._new_id(), payload, key, aggregate_type, aggregate_id, self._headers(context)
        )
        self._pending.append(event)
        return event.id

    def _headers(self, context: tuple[str | None, ...]) -> str:
        """Headers as JSON, taken when the event is published (a handler's context ends before
        the commit); the last one is remembered, as a transaction's events usually share it."""
        if context != self._headers_for[0]:
            names = ("correlationid", "causationid", "traceparent")
            text = json.dumps({k: v for k, v in zip(names, context, strict=True) if v})
            self._headers_for = (context, text)
        return self._headers_for[1]

    async def before_commit(self) -> None:
        if not self._pending:
            return
        pending = self._pending
        channel = notify_channel(self._outbox.schema or "public")
        self._wake_channel = channel
        notify = not _has_local_relay(channel)
        params: dict[str, Any] = {
            "ids": [e.id for e in pending],
            "aggregate_types": [e.aggregate_type for e in pending],
            "aggregate_ids": [e.aggregate_id for e in pending],
            "types": [e.payload.event_type for e in pending],
            "topics": [e.payload.topic for e in pending],
            "keys": [e.key for e in pending],
            "payloads": [e.payload.model_dump_json() for e in pending],
            "headers": [e.headers for e in pending],
        }
        if notify:
            params["channel"] = channel
        await self.session.execute(self._outbox_statement(notify=notify), params)
        self.published.extend(self._pending)
        self._pending = []

    async def commit(self) -> None:
        self._wake_channel = None
        await super().commit()
        if self._wake_channel is not None:  # the rows are visible now
            _wake_local_relays(self._wake_channel)

    def _outbox_statement(self, *, notify: bool) -> sa.TextClause:
        """The rows (and, for relays in other processes, their wake-up) in one round trip, one
        statement text whatever the number of events (prepared once per connection)."""
        table = _quoted(self._outbox)
        cached = _OUTBOX_STATEMENTS.get((table, notify))
        if cached is None:
            insert = (
                f"INSERT INTO {table}"
                " (id, aggregate_type, aggregate_id, type, topic, key, payload, headers)"
                " SELECT e.id, e.aggregate_type, e.aggregate_id, e.type, e.topic, e.key,"
                " CAST(e.payload AS jsonb), CAST(e.headers AS jsonb) FROM unnest("
                " CAST(:ids AS uuid[]), CAST(:aggregate_types AS varchar[]),"
                " CAST(:aggregate_ids AS varchar[]), CAST(:types AS varchar[]),"
                " CAST(:topics AS varchar[]), CAST(:keys AS varchar[]), CAST(:payloads AS text[]),"
                " CAST(:headers AS text[])) WITH ORDINALITY"
                " AS e(id, aggregate_type, aggregate_id, type, topic, key, payload, headers, n)"
                " ORDER BY e.n"  # seq follows publish order: the relay sends by seq
            )
            cached = sa.text(
                f"WITH written AS ({insert} RETURNING 1)"
                " SELECT pg_notify(CAST(:channel AS text), CAST(count(*) AS text)) FROM written"
                if notify
                else insert
            )
            _OUTBOX_STATEMENTS[(table, notify)] = cached
        return cached

    async def claim_inbox(self, *, group: str, entries: list[InboxEntry]) -> set[str]:
        """Record events as applied; returns the ids that were new (the rest are redeliveries)."""
        if not entries:
            return set()
        first: dict[str, InboxEntry] = {}
        for entry in entries:
            first.setdefault(entry.event_id, entry)  # one row per id, even if delivered twice
        entries = list(first.values())
        result = await self.session.execute(
            self._claim_statement(),
            {
                "group": group,
                "ids": [e.event_id for e in entries],
                "types": [e.event_type for e in entries],
                "topics": [e.topic for e in entries],
                "partitions": [e.partition for e in entries],
                "offsets": [e.offset for e in entries],
            },
        )
        return {row[0] for row in result}

    def _claim_statement(self) -> sa.TextClause:
        """One statement text whatever the batch size, so it is prepared once per connection.
        A dead-lettered event that comes back (a replay) is tried again; applied ones never."""
        table = _quoted(self._inbox)
        cached = _CLAIM_STATEMENTS.get(table)
        if cached is None:
            cached = sa.text(
                f"INSERT INTO {table} AS inbox"
                ' (consumer_group, event_id, event_type, topic, partition, "offset")'
                " SELECT CAST(:group AS varchar), e.* FROM unnest("
                " CAST(:ids AS varchar[]), CAST(:types AS varchar[]), CAST(:topics AS varchar[]),"
                " CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])) AS e"
                " ON CONFLICT (consumer_group, event_id) DO UPDATE"
                " SET outcome = 'applied', processed_at = now()"
                " WHERE inbox.outcome = 'dead-lettered'"
                " RETURNING inbox.event_id"
            )
            _CLAIM_STATEMENTS[table] = cached
        return cached

    async def record_dead_letter(self, *, group: str, entry: InboxEntry) -> None:
        stmt = (
            insert(self._inbox)
            .values(
                consumer_group=group,
                event_id=entry.event_id,
                event_type=entry.event_type,
                topic=entry.topic,
                partition=entry.partition,
                offset=entry.offset,
                outcome="dead-lettered",
            )
            .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
        )
        await self.session.execute(stmt)
