"""Wires adapters into the service layer; the only module that knows both."""

from caseload.adapters.tables import metadata
from caseload.config import Settings
from caseload.entrypoints.consumer import handlers
from cch_servicekit import ServiceDefinition


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="caseload",
        title="Caseload",
        description=(
            "Case managers, capacity, assignment, review schedule, MDT reviews, transfer and "
            "discharge."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[],
        handlers=handlers,
    )
