"""Wires adapters into the service layer; the only module that knows both."""

from cch_servicekit import ServiceDefinition
from dispatch.adapters.tables import metadata
from dispatch.config import Settings
from dispatch.entrypoints.consumer import handlers


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="dispatch",
        title="Dispatch",
        description=(
            "Rapid response within two hours: SLA clock, roster, assignment, warnings, board,"
            " compliance."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[],
        handlers=handlers,
    )
