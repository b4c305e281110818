"""Wires adapters into the service layer; the only module that knows both."""

import asyncio
from collections.abc import Callable

from cch_servicekit import Problem, ServiceDefinition
from cch_servicekit.runtime import Runtime
from dispatch.adapters import postcodes
from dispatch.adapters.postcodes import UnknownPostcode
from dispatch.adapters.tables import metadata
from dispatch.api.board_live import router as board_router
from dispatch.api.clinicians import router as clinicians_router
from dispatch.api.requests import router
from dispatch.api.simulations import router as simulations_router
from dispatch.config import Settings
from dispatch.domain import errors as e
from dispatch.domain.clock import Clock, SystemClock
from dispatch.entrypoints.consumer import build_handlers
from dispatch.service_layer import errors as se
from dispatch.service_layer.simulations import simulation_worker
from dispatch.service_layer.sla_watch import auto_assign_for, sla_watch
from dispatch.service_layer.stream_ticket_sweep import stream_ticket_sweep

# One status per refusal, in one place.
STATUS: dict[type[e.DomainError], tuple[int, str]] = {
    UnknownPostcode: (422, "Unknown postcode"),
    e.OutsideCounty: (422, "Position outside the county"),
    e.InvalidRequest: (422, "Invalid request"),
    e.NaiveTimestamp: (422, "Timestamp without timezone"),
    e.InvalidShift: (422, "Invalid shift"),
    se.MissingSkill: (422, "Clinician lacks a needed skill"),
    e.UnknownClinician: (404, "Unknown clinician"),
    se.RequestNotFound: (404, "Unknown request"),
    se.NotPermitted: (403, "Not your request"),
    e.NotAssignedClinician: (403, "Not your request"),
    e.InvalidTransition: (409, "Transition out of order"),
    e.RequestClosed: (409, "Request closed"),
    e.ClinicianExcluded: (409, "Clinician declined this request"),
    e.TimestampOutOfOrder: (409, "Timestamp out of order"),
    e.ClockAlreadyStopped: (409, "Clock already stopped"),
    e.WarningAlreadyFired: (409, "Warning already fired"),
    e.DuplicateClinician: (409, "Duplicate clinician"),
    e.ClinicianUnavailable: (409, "Clinician unavailable"),
    se.OpenRequestExists: (409, "Patient already has an open request"),
    se.SimulationBusy: (409, "A simulation is already queued or running"),
    se.SimulationNotFound: (404, "Unknown simulation"),
}


def _problem(status: int, title: str) -> Callable[[Exception], Problem]:
    def render(exc: Exception) -> Problem:
        code = getattr(exc, "code", "domain-error")
        return Problem(status, title, str(exc), code=code)

    return render


def service_definition(
    settings: Settings | None = None, clock: Clock | None = None
) -> ServiceDefinition:
    settings = settings or Settings()
    time = clock or SystemClock()

    async def install_clock(runtime: Runtime) -> None:
        runtime.extras["clock"] = time

    async def warm_postcodes(runtime: Runtime) -> None:
        # Off the event loop and not awaited: start-up stays fast; the first lookup waits.
        runtime.extras["postcodes"] = asyncio.create_task(asyncio.to_thread(postcodes.directory))

    return ServiceDefinition(
        name="dispatch",
        title="Dispatch",
        description=(
            "Rapid response within two hours: SLA clock, roster, assignment, warnings, board,"
            " compliance, county simulation."
        ),
        settings=settings,
        metadata=metadata,
        routers=[router, clinicians_router, board_router, simulations_router],
        handlers=build_handlers(auto_assign_for(settings), time),
        background=[sla_watch, simulation_worker, stream_ticket_sweep],
        on_startup=[install_clock, warm_postcodes],
        domain_errors={
            **{k: _problem(s, t) for k, (s, t) in STATUS.items()},
            e.DomainError: _problem(422, "Rejected"),
        },
    )
