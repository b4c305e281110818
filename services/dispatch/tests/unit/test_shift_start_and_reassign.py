"""Shifts start on their own at their rostered start; a reassignment is not a decline."""

from datetime import timedelta

import pytest

from dispatch.domain.errors import ClinicianExcluded, InvalidTransition, RequestClosed
from dispatch.domain.roster import Roster, Shift
from dispatch.domain.vocabulary import ClinicianStatus, DispatchOutcome, RequestStatus

from .conftest import T0


def test_an_off_duty_clinician_is_due_to_start_only_inside_a_shift_not_yet_worked(new_clinician):
    nurse = new_clinician("C1", start=T0, end=T0 + timedelta(hours=8))
    assert not nurse.due_to_start(T0 - timedelta(minutes=1))
    assert nurse.due_to_start(T0)
    assert nurse.due_to_start(T0 + timedelta(hours=7, minutes=59))
    assert not nurse.due_to_start(T0 + timedelta(hours=8))

    roster = Roster(clinicians={"C1": nurse})
    roster.start_shift("C1", T0)
    assert not nurse.due_to_start(T0 + timedelta(hours=1))  # already on duty
    roster.go_off_shift("C1", T0 + timedelta(hours=2), {})
    assert nurse.status is ClinicianStatus.OFF_SHIFT
    # Ended early by hand: the rest of this shift is not started again behind their back.
    assert not nurse.due_to_start(T0 + timedelta(hours=3))
    nurse.shift = Shift(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=8))
    assert nurse.due_to_start(T0 + timedelta(days=1))


def test_clinician_finishing_a_visit_after_handover_is_not_restarted(new_clinician, new_request):
    nurse = new_clinician("C1", start=T0, end=T0 + timedelta(hours=8))
    roster = Roster(clinicians={"C1": nurse})
    roster.start_shift("C1", T0)
    request = new_request("R1", at=T0)
    request.assign("C1", T0)
    roster.take_job("C1", "R1")
    request.accept("C1", T0)
    request.arrive("C1", T0 + timedelta(minutes=30))
    roster.reach_patient("C1")
    roster.go_off_shift("C1", T0 + timedelta(hours=1), {"R1": request})
    request.complete("C1", T0 + timedelta(hours=2), DispatchOutcome.STAYED_HOME)
    roster.free("C1")
    assert nurse.status is ClinicianStatus.OFF_SHIFT
    assert not nurse.due_to_start(T0 + timedelta(hours=3))


def test_reassignment_moves_the_request_without_recording_a_decline(new_request):
    request = new_request("R1", at=T0)
    request.assign("C1", T0)
    request.accept("C1", T0 + timedelta(minutes=1))
    released = request.reassign("C2", T0 + timedelta(minutes=2), reason="C2 is closer")
    assert released == "C1"
    assert (request.status, request.clinician_id) == (RequestStatus.ASSIGNED, "C2")
    assert request.excluded_clinicians == set()
    assert request.history[-1].note == "reassigned from C1: C2 is closer"
    request.reassign("C1", T0 + timedelta(minutes=3))  # C1 did not decline: may have it back


def test_reassignment_is_refused_once_reached_waiting_or_to_someone_who_declined(new_request):
    waiting = new_request("R1", at=T0)
    with pytest.raises(InvalidTransition):
        waiting.reassign("C2", T0)
    waiting.assign("C1", T0)
    waiting.decline("C1", T0)
    waiting.assign("C2", T0)
    with pytest.raises(ClinicianExcluded):
        waiting.reassign("C1", T0)
    with pytest.raises(InvalidTransition):
        waiting.reassign("C2", T0)  # already with C2
    waiting.accept("C2", T0)
    waiting.arrive("C2", T0 + timedelta(minutes=40))
    with pytest.raises(InvalidTransition):
        waiting.reassign("C3", T0 + timedelta(minutes=41))
    waiting.complete("C2", T0 + timedelta(hours=1), DispatchOutcome.STAYED_HOME)
    with pytest.raises(RequestClosed):
        waiting.reassign("C3", T0 + timedelta(hours=2))
