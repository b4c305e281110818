"""Wires adapters into the service layer; the only module that knows both."""

from cch_servicekit import Problem, ServiceDefinition
from stratification.adapters import ingest_tables, run_tables  # noqa: F401  (registers tables)
from stratification.adapters.tables import metadata
from stratification.api.fhir import router as fhir_router
from stratification.api.fhir_ingest import router as fhir_ingest_router
from stratification.api.ingest import router as ingest_router
from stratification.api.modelling import router as modelling_router
from stratification.api.reports import router as reports_router
from stratification.api.runs import router as runs_router
from stratification.config import Settings
from stratification.domain.errors import (
    DomainError,
    InvalidTierPolicy,
    NoPopulation,
    RunAlreadyInProgress,
    UnknownModelVersion,
    UnknownPractice,
)
from stratification.entrypoints.consumer import handlers
from stratification.service_layer.schedule import monthly_runs

_STATUS: dict[type[DomainError], int] = {
    RunAlreadyInProgress: 409,
    NoPopulation: 409,
    UnknownPractice: 404,
    UnknownModelVersion: 404,
    InvalidTierPolicy: 422,
}


def _problem(exc: Exception) -> Problem:
    assert isinstance(exc, DomainError)
    status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), 422)
    return Problem(status, type(exc).__name__, exc.message, code=exc.code)


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="stratification",
        title="Stratification",
        description=(
            "Population data, frailty and comorbidity indices, the 12-month emergency admission "
            "risk model, tiers, predictive reports and FHIR RiskAssessment."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[
            runs_router,
            reports_router,
            fhir_router,
            fhir_ingest_router,
            modelling_router,
            ingest_router,
        ],
        handlers=handlers,
        domain_errors={DomainError: _problem},
        background=[monthly_runs],
    )
