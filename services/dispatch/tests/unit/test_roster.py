from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.errors import (
    ClinicianUnavailable,
    DuplicateClinician,
    InvalidShift,
    OutsideCounty,
    UnknownClinician,
)
from dispatch.domain.geography import SHROPSHIRE_BOUNDS, GridPoint
from dispatch.domain.roster import Roster, Shift
from dispatch.domain.vocabulary import ClinicianStatus, RequestStatus

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def on_shift_roster(new_clinician, *ids):
    roster = Roster()
    for cid in ids or ("C1",):
        roster.add(new_clinician(cid))
        roster.start_shift(cid, T0)
    return roster


def test_county_box_holds_every_market_town_and_refuses_cardiff_and_birmingham():
    for town in [(349_490, 313_121), (352_058, 274_820), (330_062, 329_838), (354_207, 341_109)]:
        assert SHROPSHIRE_BOUNDS.contains(GridPoint(*town))
    assert not SHROPSHIRE_BOUNDS.contains(GridPoint(318_000, 176_000))
    assert not SHROPSHIRE_BOUNDS.contains(GridPoint(407_000, 287_000))


def test_position_update_inside_the_county_moves_the_clinician(new_clinician):
    roster = on_shift_roster(new_clinician)
    roster.update_position("C1", easting=352_000, northing=275_000, at=T0)
    assert roster.get("C1").here == GridPoint(352_000, 275_000)


def test_position_outside_the_county_is_refused_and_nothing_moves(new_clinician):
    roster = on_shift_roster(new_clinician)
    with pytest.raises(OutsideCounty):
        roster.update_position("C1", easting=407_000, northing=287_000, at=T0)
    assert roster.get("C1").here == GridPoint(349_490, 313_121)


def test_an_out_of_order_position_fix_is_ignored(new_clinician):
    roster = on_shift_roster(new_clinician)
    roster.update_position("C1", easting=352_000, northing=275_000, at=T0 + timedelta(minutes=5))
    roster.update_position("C1", easting=340_000, northing=300_000, at=T0)
    assert roster.get("C1").here == GridPoint(352_000, 275_000)


def test_unknown_and_duplicate_clinicians_are_typed_errors(new_clinician):
    roster = on_shift_roster(new_clinician)
    with pytest.raises(UnknownClinician):
        roster.get("nobody")
    with pytest.raises(DuplicateClinician):
        roster.add(new_clinician("C1"))


def test_shift_must_end_after_it_starts():
    with pytest.raises(InvalidShift):
        Shift(T0, T0)


def test_busy_clinician_cannot_take_a_second_job(new_clinician):
    roster = on_shift_roster(new_clinician)
    roster.take_job("C1", "R1")
    with pytest.raises(ClinicianUnavailable):
        roster.take_job("C1", "R2")


def test_going_off_shift_releases_an_assigned_but_not_arrived_request(new_clinician, new_request):
    roster = on_shift_roster(new_clinician)
    request = new_request()
    request.assign("C1", T0)
    request.accept("C1", T0 + timedelta(minutes=1))
    roster.take_job("C1", request.id)
    handover = roster.go_off_shift("C1", T0 + timedelta(minutes=5), {request.id: request})
    assert handover.released == (request.id,)
    assert request.status is RequestStatus.REQUESTED and request.clinician_id is None
    assert "C1" not in request.excluded_clinicians
    assert roster.get("C1").status is ClinicianStatus.OFF_SHIFT


def test_clinician_on_scene_at_handover_finishes_the_visit_then_goes_off(
    new_clinician, new_request
):
    roster = on_shift_roster(new_clinician)
    request = new_request()
    request.assign("C1", T0)
    request.accept("C1", T0)
    request.arrive("C1", T0 + timedelta(minutes=20))
    roster.take_job("C1", request.id)
    roster.reach_patient("C1")
    handover = roster.go_off_shift("C1", T0 + timedelta(minutes=30), {request.id: request})
    assert handover.released == () and handover.finishing == request.id
    assert roster.get("C1").status is ClinicianStatus.ON_SCENE
    assert roster.free("C1").status is ClinicianStatus.OFF_SHIFT
