"""Wires adapters into the service layer; the only module that knows both."""

from careplans.adapters.tables import metadata
from careplans.api.audit_events import router as audit_router
from careplans.api.crisis import router as crisis_router
from careplans.api.fhir import router as fhir_router
from careplans.config import Settings
from careplans.entrypoints.consumer import handlers
from cch_servicekit import ServiceDefinition


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="careplans",
        title="Care plans",
        description=(
            "FHIR CarePlan, CareTeam, Goal and Flag with emergency and end-of-life plans, "
            "need-to-know access and audit."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[audit_router, crisis_router, fhir_router],
        handlers=handlers,
    )
