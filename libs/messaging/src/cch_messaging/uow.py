"""Unit of Work that also records outgoing events (outbox) and applied ones (inbox)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cch_contracts import CloudEvent, EventPayload
from cch_db import UnitOfWork
from cch_messaging.outbox_rows import (
    OutgoingEvent,
    notify_relay,
    outbox_insert,
    outbox_params,
    outgoing_event,
)
from cch_messaging.relay_wake import has_local_relay, notify_channel, wake_local_relays


@dataclass(frozen=True)
class InboxEntry:
    event_id: str
    event_type: str
    topic: str
    partition: int
    offset: int


_CLAIM_STATEMENTS: dict[str, sa.TextClause] = {}
_OUTBOX_STATEMENTS: dict[tuple[sa.Table, bool], sa.Executable] = {}


def _quoted(table: sa.Table) -> str:
    """The table's schema-qualified name, quoted, for the statements written as text."""
    parts = [p for p in (table.schema, table.name) if p]
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


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
        event = outgoing_event(
            payload,
            key=key,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            caused_by=caused_by,
            new_id=self._new_id,
        )
        self._pending.append(event)
        return event.id

    async def before_commit(self) -> None:
        if not self._pending:
            return
        pending = self._pending
        channel = notify_channel(self._outbox.schema or "public")
        self._wake_channel = channel
        notify = not has_local_relay(channel)
        params = outbox_params(pending)
        await self.session.execute(self._outbox_statement(notify=notify), params)
        self.published.extend(self._pending)
        self._pending = []

    async def commit(self) -> None:
        self._wake_channel = None
        await super().commit()
        if self._wake_channel is not None:  # the rows are visible now
            wake_local_relays(self._wake_channel)

    def _outbox_statement(self, *, notify: bool) -> sa.Executable:
        """The rows (and, for relays in other processes, their wake-up) in one round trip, one
        statement whatever the number of events (compiled once, prepared once per connection)."""
        cached = _OUTBOX_STATEMENTS.get((self._outbox, notify))
        if cached is None:
            insert = outbox_insert(self._outbox)
            if notify:
                written = insert.returning(sa.literal_column("1")).cte("written")
                cached = sa.select(notify_relay(self._outbox, sa.func.count())).select_from(written)
            else:
                cached = insert
            _OUTBOX_STATEMENTS[(self._outbox, notify)] = cached
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
