"""Which handler applies each event type: one event at a time, or a run of them at once."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cch_contracts import CloudEvent, EventPayload
from cch_messaging.uow import MessagingUnitOfWork

Handler = Callable[[MessagingUnitOfWork, CloudEvent, Any], Awaitable[None]]
BatchHandler = Callable[[MessagingUnitOfWork, list[tuple[CloudEvent, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Registration:
    """How one event type is applied; exactly one of `handler` and `batch` is set."""

    model: type[EventPayload]
    handler: Handler | None = None
    batch: BatchHandler | None = None


class HandlerRegistry:
    """Maps event types to the handler that applies them.

    `on(Model)` handlers get one event at a time. `on_batch(ModelA, ModelB, ...)` handlers get
    every consecutive event of a partition's batch that they handle, in partition order, as
    `(event, payload)` pairs, so they can apply them with one statement. A registration for a
    type replaces any earlier one for that type."""

    def __init__(self) -> None:
        self._registrations: dict[str, Registration] = {}

    def on(self, model: type[EventPayload]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._registrations[model.event_type] = Registration(model, handler=handler)
            return handler

        return register

    def on_batch(self, *models: type[EventPayload]) -> Callable[[BatchHandler], BatchHandler]:
        if not models:
            raise ValueError("on_batch needs at least one event payload model")

        def register(handler: BatchHandler) -> BatchHandler:
            for model in models:
                self._registrations[model.event_type] = Registration(model, batch=handler)
            return handler

        return register

    def registration(self, event_type: str) -> Registration | None:
        return self._registrations.get(event_type)

    def lookup(self, event_type: str) -> tuple[type[EventPayload], Handler] | None:
        """The model and a one-event handler (a batch handler is called with one event)."""
        found = self._registrations.get(event_type)
        if found is None:
            return None
        if found.handler is not None:
            return found.model, found.handler
        batch = found.batch
        assert batch is not None

        async def one(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
            await batch(uow, [(event, payload)])

        return found.model, one

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({r.model.topic for r in self._registrations.values()}))

    def __len__(self) -> int:
        return len(self._registrations)
