"""Wires adapters into the service layer; the only module that knows both."""

from cch_servicekit import ServiceDefinition
from ops.adapters.tables import metadata
from ops.api.events import router as events_router
from ops.config import Settings
from ops.entrypoints.consumer import handlers


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="ops",
        title="Ops",
        description=(
            "Event log index, consumer lag, dead letters, replay and the programme dashboard."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[events_router],
        handlers=handlers,
    )
