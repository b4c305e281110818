"""The ops consumer indexes every event type on every topic (metadata only)."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert

from cch_contracts import REGISTRY, CloudEvent
from cch_contracts.registry import _load_all
from cch_messaging import HandlerRegistry, MessagingUnitOfWork
from ops.adapters.tables import event_log

handlers = HandlerRegistry()


async def index_events(uow: MessagingUnitOfWork, events: list[tuple[CloudEvent, Any]]) -> None:
    """One row per event id (what, from where, about which opaque subject, when), the whole
    run in one insert: every type shares this handler, so a partition's batch is one run."""
    rows = [
        {
            "event_id": event.id,
            "type": event.type,
            "source": event.source,
            "subject": event.subject,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "occurred_at": event.time,
            "correlation_id": event.correlationid,
            "causation_id": event.causationid,
            "size_bytes": len(record.value or b""),
        }
        for (event, _), record in zip(events, uow.current_records, strict=True)
    ]
    await uow.session.execute(
        insert(event_log).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
    )


_load_all()
handlers.on_batch(*(spec.model for spec in REGISTRY.values()))(index_events)

__all__ = ["handlers", "index_events"]
