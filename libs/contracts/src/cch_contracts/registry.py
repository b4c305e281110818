"""Registry of every event type: its payload model, topic and producer."""

import builtins
from collections.abc import Callable
from dataclasses import dataclass

from cch_contracts.envelope import EventPayload


@dataclass(frozen=True)
class EventSpec:
    type: str
    topic: str
    producer: str
    model: "builtins.type[EventPayload]"
    description: str


REGISTRY: dict[str, EventSpec] = {}


def event(
    event_type: str, *, topic: str, producer: str
) -> Callable[[type[EventPayload]], type[EventPayload]]:
    """Class decorator binding a payload model to its versioned type name and topic."""

    def bind(model: type[EventPayload]) -> type[EventPayload]:
        if event_type in REGISTRY:
            raise ValueError(f"event type registered twice: {event_type}")
        model.event_type = event_type
        model.topic = topic
        doc = (model.__doc__ or "").strip()
        REGISTRY[event_type] = EventSpec(event_type, topic, producer, model, doc)
        return model

    return bind


def spec_for(model: type[EventPayload]) -> EventSpec:
    return REGISTRY[model.event_type]


def spec_for_type(event_type: str) -> EventSpec | None:
    _load_all()
    return REGISTRY.get(event_type)


def _load_all() -> None:
    from cch_contracts import events  # noqa: F401  (registers every payload)
