from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.errors import (
    ClinicianExcluded,
    InvalidRequest,
    InvalidTransition,
    NotAssignedClinician,
    OutsideCounty,
    RequestClosed,
    TimestampOutOfOrder,
    WarningAlreadyFired,
)
from dispatch.domain.geography import Location
from dispatch.domain.requests import RapidResponse
from dispatch.domain.sla import SlaEventKind, SlaWarnings
from dispatch.domain.vocabulary import DispatchOutcome, RequestStatus

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def minutes(n: float):
    return T0 + timedelta(minutes=n)


def walk_to_arrival(request: RapidResponse, clinician: str = "C1", arrive_at: float = 40) -> None:
    request.assign(clinician, minutes(2), projected_arrival=minutes(35), why="closest")
    request.accept(clinician, minutes(3))
    request.depart(clinician, minutes(5))
    request.arrive(clinician, minutes(arrive_at))


def test_full_journey_stops_the_clock_at_arrival_and_times_each_step(new_request):
    request = new_request()
    walk_to_arrival(request)
    assert request.status is RequestStatus.ARRIVED
    assert request.sla.met and request.sla.response_time == timedelta(minutes=40)
    assert request.at(RequestStatus.ACCEPTED) == minutes(3)
    assert [t.status for t in request.history] == [
        RequestStatus.REQUESTED,
        RequestStatus.ASSIGNED,
        RequestStatus.ACCEPTED,
        RequestStatus.EN_ROUTE,
        RequestStatus.ARRIVED,
    ]


def test_arrival_before_acceptance_is_an_invalid_transition(new_request):
    request = new_request()
    request.assign("C1", minutes(1))
    with pytest.raises(InvalidTransition):
        request.arrive("C1", minutes(20))


def test_only_the_assigned_clinician_can_accept(new_request):
    request = new_request()
    request.assign("C1", minutes(1))
    with pytest.raises(NotAssignedClinician):
        request.accept("C2", minutes(2))


def test_declined_request_returns_to_the_queue_and_excludes_that_clinician(new_request):
    request = new_request()
    request.assign("C1", minutes(1))
    request.decline("C1", minutes(2), "already with a patient")
    assert request.status is RequestStatus.REQUESTED and request.clinician_id is None
    with pytest.raises(ClinicianExcluded):
        request.assign("C1", minutes(3))
    request.assign("C2", minutes(3))
    assert request.clinician_id == "C2"


def test_reassignment_moves_the_request_and_names_the_released_clinician(new_request):
    request = new_request()
    request.assign("C1", minutes(1))
    request.accept("C1", minutes(2))
    assert request.reassign("C2", minutes(4), why="C2 is nearer") == "C1"
    assert request.status is RequestStatus.ASSIGNED and request.clinician_id == "C2"
    with pytest.raises(InvalidTransition):
        request.reassign("C2", minutes(5))


def test_cancelled_request_takes_no_further_steps(new_request):
    request = new_request()
    request.cancel(minutes(10), "admitted via 999")
    with pytest.raises(RequestClosed):
        request.assign("C1", minutes(11))


def test_transition_times_cannot_run_backwards(new_request):
    request = new_request()
    request.assign("C1", minutes(10))
    with pytest.raises(TimestampOutOfOrder):
        request.accept("C1", minutes(5))


def test_high_risk_patient_who_stayed_home_is_referred_on_to_case_management(new_request):
    request = new_request(high_risk=True)
    walk_to_arrival(request)
    completion = request.complete("C1", minutes(120), DispatchOutcome.STAYED_HOME)
    assert completion.refer_to_case_management
    assert completion.refer_on is not None and completion.refer_on.patient_ref == "pk-123"
    assert request.status is RequestStatus.COMPLETED


@pytest.mark.parametrize(
    ("high_risk", "outcome"),
    [(False, DispatchOutcome.STAYED_HOME), (True, DispatchOutcome.ADMITTED)],
)
def test_no_referral_on_unless_high_risk_and_stayed_home(new_request, high_risk, outcome):
    request = new_request(high_risk=high_risk)
    walk_to_arrival(request)
    assert request.complete("C1", minutes(120), outcome).refer_on is None


def test_priority_and_skills_are_validated(new_request):
    with pytest.raises(InvalidRequest):
        new_request(priority=4)
    with pytest.raises(InvalidRequest):
        new_request(skills=frozenset({"juggling"}))


def test_patient_outside_shropshire_is_refused(new_request):
    with pytest.raises(OutsideCounty):
        RapidResponse(
            id="R9",
            patient_ref="p",
            received_at=T0,
            location=Location("CF10 1AA", 318_000, 176_000),
            reason="x",
        )


def test_request_records_each_sla_warning_once(new_request):
    request = new_request()
    warnings = SlaWarnings(margin=timedelta(minutes=30))
    assert [w.kind for w in request.check_sla(minutes(95), warnings)] == [SlaEventKind.AT_RISK]
    assert request.check_sla(minutes(100), warnings) == []
    breach = request.check_sla(minutes(121), warnings)
    assert [w.kind for w in breach] == [SlaEventKind.BREACHED]
    assert breach[0].reason == "no clinician assigned before the deadline"
    assert request.check_sla(minutes(200), warnings) == []
    with pytest.raises(WarningAlreadyFired):
        request.record_warning(breach[0])


def test_projected_late_arrival_raises_at_risk_early(new_request):
    request = new_request()
    request.assign("C1", minutes(1), projected_arrival=minutes(130))
    fired = request.check_sla(minutes(2), SlaWarnings())
    assert [w.kind for w in fired] == [SlaEventKind.AT_RISK]
    assert "after the deadline" in fired[0].reason
