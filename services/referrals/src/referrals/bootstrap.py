"""Wires adapters into the service layer; the only module that knows both."""

from cch_servicekit import ServiceDefinition
from referrals.adapters.tables import metadata
from referrals.config import Settings
from referrals.entrypoints.consumer import handlers


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="referrals",
        title="Referrals",
        description=(
            "Referrals from every route as FHIR ServiceRequest, MDT triage, exclusion notes, "
            "urgent crises to dispatch."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[],
        handlers=handlers,
    )
