"""The ops consumer indexes every event type on every topic (metadata only)."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert

from cch_contracts import REGISTRY, CloudEvent
from cch_contracts.registry import _load_all
from cch_messaging import HandlerRegistry, MessagingUnitOfWork
from ops.adapters.tables import event_log

handlers = HandlerRegistry()


async def index_event(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
    """One row per event id: what, from where, about which opaque subject, when."""
    record = uow.current_record
    await uow.session.execute(
        insert(event_log)
        .values(
            event_id=event.id,
            type=event.type,
            source=event.source,
            subject=event.subject,
            topic=record.topic if record else "",
            partition=record.partition if record else -1,
            offset=record.offset if record else -1,
            occurred_at=event.time,
            correlation_id=event.correlationid,
            causation_id=event.causationid,
            size_bytes=len(record.value or b"") if record else 0,
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
    )


_load_all()
for _spec in REGISTRY.values():
    handlers.on(_spec.model)(index_event)

__all__ = ["handlers"]
