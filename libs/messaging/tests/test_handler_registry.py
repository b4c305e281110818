"""The registry: per-event and batch registrations, and the one-event view older callers use."""

from datetime import UTC, datetime

import pytest

from cch_contracts import CloudEvent
from cch_contracts.events.platform import ProbeSent
from cch_messaging import HandlerRegistry


async def test_a_batch_handler_looked_up_for_one_event_gets_a_one_element_list():
    registry = HandlerRegistry()
    seen: list[list] = []

    @registry.on_batch(ProbeSent)
    async def apply(uow, events) -> None:
        seen.append(events)

    found = registry.lookup(ProbeSent.event_type)
    assert found is not None and found[0] is ProbeSent
    event = CloudEvent(
        id="e1", source="/t", type=ProbeSent.event_type, time=datetime.now(UTC), data={}
    )
    payload = ProbeSent(probe_id="p", sequence=0, sent_at=datetime.now(UTC))
    await found[1](None, event, payload)  # type: ignore[arg-type]
    assert seen == [[(event, payload)]]
    assert registry.topics == (ProbeSent.topic,) and len(registry) == 1


def test_a_later_registration_replaces_the_earlier_one_for_its_type():
    registry = HandlerRegistry()

    @registry.on(ProbeSent)
    async def one(uow, event, payload) -> None: ...

    @registry.on_batch(ProbeSent)
    async def many(uow, events) -> None: ...

    registration = registry.registration(ProbeSent.event_type)
    assert registration is not None
    assert registration.batch is many and registration.handler is None
    assert registry.lookup("cch.unknown.v1") is None
    with pytest.raises(ValueError, match="at least one"):
        registry.on_batch()
