"""Wires adapters into the service layer; the only module that knows both."""

from cch_servicekit import ServiceDefinition

from gateway.adapters.tables import metadata
from gateway.config import Settings
from gateway.entrypoints.consumer import handlers


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="gateway",
        title="Gateway",
        description="One FHIR base URL and API entry: token checks, routing, aggregated CapabilityStatement.",
        settings=settings or Settings(),
        metadata=metadata,
        routers=[],
        handlers=handlers,
    )
