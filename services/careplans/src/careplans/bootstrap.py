"""Wires adapters into the service layer; the only module that knows both."""

from collections.abc import Callable

from careplans.adapters.tables import metadata
from careplans.api.audit_events import router as audit_router
from careplans.api.crisis import router as crisis_router
from careplans.api.fhir import router as fhir_router
from careplans.config import Settings
from careplans.domain.errors import (
    InvalidAssignment,
    InvalidNhsNumber,
    InvalidReviewOutcome,
    PlanNotOpen,
)
from careplans.entrypoints.consumer import handlers
from cch_servicekit import Problem, ServiceDefinition

# Each domain error is one status, here (rendered as OperationOutcome under /fhir).
DOMAIN_ERRORS = {
    InvalidNhsNumber: 422,
    InvalidAssignment: 422,
    InvalidReviewOutcome: 422,
    PlanNotOpen: 409,
}


def _problem(status: int) -> Callable[[Exception], Problem]:
    def render(exc: Exception) -> Problem:
        return Problem(status, type(exc).__name__, str(exc), code=getattr(exc, "code", "invalid"))

    return render


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
        domain_errors={error: _problem(status) for error, status in DOMAIN_ERRORS.items()},
    )
