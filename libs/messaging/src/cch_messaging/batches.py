"""A partition's batch as the consumer sees it: decoded records, and the runs handlers get."""

from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from pydantic import ValidationError

from cch_contracts import CloudEvent
from cch_messaging.handlers import HandlerRegistry, Registration
from cch_messaging.uow import InboxEntry


@dataclass
class Decoded:
    record: ConsumerRecord[bytes, bytes]
    event: CloudEvent | None
    payload: Any
    registration: Registration | None
    error: str | None

    @property
    def entry(self) -> InboxEntry:
        assert self.event is not None
        return InboxEntry(
            self.event.id,
            self.event.type,
            self.record.topic,
            self.record.partition,
            self.record.offset,
        )


def decode(record: ConsumerRecord[bytes, bytes], registry: HandlerRegistry) -> Decoded:
    try:
        event = CloudEvent.model_validate_json(record.value or b"")
    except (ValueError, ValidationError) as exc:
        return Decoded(record, None, None, None, f"undecodable CloudEvent: {type(exc).__name__}")
    found = registry.registration(event.type)
    if found is None:
        return Decoded(record, event, None, None, None)
    try:
        payload = found.model.model_validate(event.data)
    except ValidationError as exc:
        return Decoded(record, event, None, None, f"payload invalid for {event.type}: {exc}")
    return Decoded(record, event, payload, found, None)


def runs(items: list[Decoded]) -> list[list[Decoded]]:
    """Consecutive events for the same batch handler form one run; every other event is a run
    of its own. Runs keep partition order, so an event never overtakes an earlier one."""
    runs: list[list[Decoded]] = []
    for item in items:
        assert item.registration is not None
        batch = item.registration.batch
        last = runs[-1][-1].registration if runs else None
        if batch is not None and last is not None and last.batch is batch:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs
