"""Wires adapters into the service layer; the only module that knows both."""

from caseload.adapters.tables import metadata
from caseload.api.attention import router as attention_router
from caseload.api.cases import router as cases_router
from caseload.api.reports import router as reports_router
from caseload.api.workforce import router as workforce_router
from caseload.config import Settings
from caseload.domain import errors
from caseload.entrypoints.consumer import build_handlers
from caseload.entrypoints.scheduler import review_scan_job
from caseload.service_layer import errors as use_case_errors
from cch_contracts.clock import Clock, SystemClock
from cch_servicekit import Problem, Runtime, ServiceDefinition

# Every error type → one HTTP status (404 unknown, 409 conflicts with stored state, 422 rules).
STATUS: dict[type[errors.DomainError], int] = {
    errors.UnknownLocality: 422,
    errors.UnknownNeed: 422,
    errors.UnknownCaseManager: 404,
    errors.UnknownTeam: 404,
    errors.UnknownPractice: 404,
    errors.InvalidWorkforce: 422,
    errors.CapacityBelowLoad: 409,
    errors.CaseManagerInactive: 409,
    errors.CaseManagerAtCapacity: 409,
    errors.OverrideReasonRequired: 422,
    errors.OutOfLocalityNeedsReason: 422,
    errors.CaseAlreadyOpen: 409,
    errors.CaseClosed: 409,
    errors.CaseNotActive: 409,
    errors.NotOnWaitingList: 409,
    errors.NotFlaggedForClosure: 409,
    errors.HandoverRequired: 422,
    errors.DischargeReasonRequired: 422,
    errors.DischargeCriteriaNotMet: 422,
    errors.UnknownDischargeCriterion: 422,
    errors.InvalidReviewOutcome: 422,
    errors.InvalidReviewInterval: 422,
    use_case_errors.CaseNotFound: 404,
    use_case_errors.TeamNotEmpty: 409,
    use_case_errors.AlreadyExists: 409,
    errors.DomainError: 422,
}


def _problem(exc: Exception) -> Problem:
    assert isinstance(exc, errors.DomainError)
    status = STATUS[type(exc)]
    title = type(exc).__name__
    return Problem(status, title, exc.message, code=exc.code)


def service_definition(
    settings: Settings | None = None, *, clock: Clock | None = None
) -> ServiceDefinition:
    settings = settings or Settings()
    clock = clock or SystemClock()

    async def provide_clock(runtime: Runtime) -> None:
        runtime.extras["clock"] = clock

    return ServiceDefinition(
        name="caseload",
        title="Caseload",
        description=(
            "Case managers, capacity, assignment, review schedule, MDT reviews, transfer and "
            "discharge."
        ),
        settings=settings,
        metadata=metadata,
        routers=[workforce_router, attention_router, cases_router, reports_router],
        handlers=build_handlers(clock),
        background=[review_scan_job(clock, settings.review_scan_seconds)],
        on_startup=[provide_clock],
        domain_errors={error_type: _problem for error_type in STATUS},
    )
