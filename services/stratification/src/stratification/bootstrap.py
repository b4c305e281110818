"""Wires adapters into the service layer; the only module that knows both."""

from cch_servicekit import ServiceDefinition
from stratification.adapters.tables import metadata
from stratification.config import Settings
from stratification.entrypoints.consumer import handlers


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="stratification",
        title="Stratification",
        description=(
            "Population data, frailty and comorbidity indices, risk model, tiers, predictive "
            "reports, programme modelling."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[],
        handlers=handlers,
    )
