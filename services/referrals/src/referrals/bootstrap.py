"""Wires adapters into the service layer; the only module that knows both."""

from collections.abc import Callable

from cch_servicekit import Problem, Runtime, ServiceDefinition
from referrals.adapters import referral_tables  # noqa: F401  (registers the referral tables)
from referrals.adapters.tables import metadata
from referrals.api import fhir, fhir_create, fhir_search, reports, self_referrals, triage
from referrals.config import Settings
from referrals.domain import errors
from referrals.domain.clock import Clock, SystemClock
from referrals.entrypoints.consumer import build_handlers

# Each domain error type earns exactly one HTTP status, here and nowhere else.
_STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidNhsNumber: 422,
    errors.InvalidPostcode: 422,
    errors.UnknownCodeSystem: 422,
    errors.InvalidReasonCode: 422,
    errors.InvalidReference: 422,
    errors.InvalidReferral: 422,
    errors.InvalidTriageDecision: 422,
    errors.UnknownEligibilityCriterion: 422,
    errors.InvalidExclusionNote: 422,
    errors.InvalidSelfReferral: 422,
    errors.AmendmentRefused: 422,
    errors.IdentifierConflict: 409,
    errors.ReferralClosed: 409,
    errors.InvalidStatusTransition: 409,
    errors.NoDecisionToReverse: 409,
    errors.AnotherReferralOpen: 409,
    errors.VersionConflict: 412,
    errors.DomainError: 422,
}
_TITLES = {409: "Conflict", 412: "Precondition Failed", 422: "Unprocessable Content"}


def to_problem(status: int) -> Callable[[Exception], Problem]:
    def convert(exc: Exception) -> Problem:
        assert isinstance(exc, errors.DomainError)
        problems = getattr(exc, "problems", ())
        return Problem(
            status,
            _TITLES[status],
            exc.message,
            code=exc.code,
            errors=[{"loc": p.field, "msg": p.message} for p in problems],
        )

    return convert


def service_definition(
    settings: Settings | None = None, *, clock: Clock | None = None
) -> ServiceDefinition:
    """`clock` drives receipt and decision times (a FakeClock in tests; else the system's)."""
    clock = clock or SystemClock()

    async def install_clock(runtime: Runtime) -> None:
        runtime.extras["clock"] = clock

    return ServiceDefinition(
        name="referrals",
        title="Referrals",
        description=(
            "Referrals from every route as FHIR ServiceRequest, MDT triage, exclusion notes, "
            "urgent crises to dispatch."
        ),
        settings=settings or Settings(),
        metadata=metadata,
        routers=[
            fhir_create.router,
            fhir.router,
            fhir_search.router,
            triage.router,
            self_referrals.router,
            reports.router,
        ],
        handlers=build_handlers(clock),
        on_startup=[install_clock],
        domain_errors={kind: to_problem(status) for kind, status in _STATUS.items()},
    )
