"""Unit of Work that also records outgoing events (outbox) and applied ones (inbox)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cch_contracts import EventPayload
from cch_db import UnitOfWork
from cch_observability.context import causation_id_var, correlation_id_var, traceparent_var


@dataclass(frozen=True)
class OutgoingEvent:
    id: uuid.UUID
    payload: EventPayload
    key: str
    aggregate_type: str
    aggregate_id: str


@dataclass(frozen=True)
class InboxEntry:
    event_id: str
    event_type: str
    topic: str
    partition: int
    offset: int


def notify_channel(schema: str) -> str:
    return f"cch_outbox_{schema}"


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

    async def __aenter__(self) -> "MessagingUnitOfWork":
        self._pending = []
        await super().__aenter__()
        return self

    def publish(
        self, payload: EventPayload, *, key: str, aggregate_type: str, aggregate_id: str
    ) -> uuid.UUID:
        """Queue an event; it is written to the outbox when (and only if) the UoW commits."""
        if not payload.event_type:
            raise ValueError(f"{type(payload).__name__} is not a registered event payload")
        event = OutgoingEvent(self._new_id(), payload, key, aggregate_type, aggregate_id)
        self._pending.append(event)
        return event.id

    async def before_commit(self) -> None:
        if not self._pending:
            return
        headers = {
            k: v
            for k, v in {
                "correlationid": correlation_id_var.get(),
                "causationid": causation_id_var.get(),
                "traceparent": traceparent_var.get(),
            }.items()
            if v
        }
        rows = [
            {
                "id": e.id,
                "aggregate_type": e.aggregate_type,
                "aggregate_id": e.aggregate_id,
                "type": e.payload.event_type,
                "topic": e.payload.topic,
                "key": e.key,
                "payload": e.payload.model_dump(mode="json"),
                "headers": headers,
            }
            for e in self._pending
        ]
        await self.session.execute(sa.insert(self._outbox), rows)
        schema = self._outbox.schema or "public"
        await self.session.execute(
            sa.select(sa.func.pg_notify(notify_channel(schema), str(len(rows))))
        )
        self.published.extend(self._pending)
        self._pending = []

    async def claim_inbox(self, *, group: str, entries: list[InboxEntry]) -> set[str]:
        """Record events as applied; returns the ids that were new (the rest are redeliveries)."""
        if not entries:
            return set()
        first: dict[str, InboxEntry] = {}
        for entry in entries:
            first.setdefault(entry.event_id, entry)  # one row per id, even if delivered twice
        entries = list(first.values())
        stmt = (
            insert(self._inbox)
            .values(
                [
                    {
                        "consumer_group": group,
                        "event_id": e.event_id,
                        "event_type": e.event_type,
                        "topic": e.topic,
                        "partition": e.partition,
                        "offset": e.offset,
                    }
                    for e in entries
                ]
            )
            # a dead-lettered event that comes back (a replay) is tried again; applied ones never
            .on_conflict_do_update(
                index_elements=["consumer_group", "event_id"],
                set_={"outcome": "applied", "processed_at": sa.func.now()},
                where=self._inbox.c.outcome == "dead-lettered",
            )
            .returning(self._inbox.c.event_id)
        )
        result = await self.session.execute(stmt)
        return {row[0] for row in result}

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
