import time
from datetime import UTC, datetime, timedelta

import numpy as np

from dispatch.domain.assignment import AssignmentEngine
from dispatch.domain.availability import ClinicianAvailability, OpenRequest, availability_of
from dispatch.domain.baselines import ClosestIdle, LeastSlack
from dispatch.domain.coverage import CoverageOutlook
from dispatch.domain.geography import GridPoint
from dispatch.domain.travel import CountyRoadTravel

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
LUDLOW = GridPoint(352_058, 274_820)
STRETTON = GridPoint(345_600, 293_682)
BETWEEN = GridPoint(348_000, 285_000)
SHREWSBURY = GridPoint(349_490, 313_121)
OSWESTRY = GridPoint(330_062, 329_838)
ALL = frozenset({"prescribing", "catheter", "iv", "wound-care"})


def req(rid, where, *, waited=0, priority=2, skills=frozenset(), excluded=frozenset(), held=None):
    received = NOW - timedelta(minutes=waited)
    return OpenRequest(
        rid, received, received + timedelta(minutes=120), priority, skills, where, excluded, held
    )


def clin(cid, where, *, skills=ALL, free_in=0, shift_left=600, busy_with=None):
    return ClinicianAvailability(
        cid,
        skills,
        NOW + timedelta(minutes=free_in),
        where,
        NOW + timedelta(minutes=shift_left),
        busy_with,
    )


def test_engine_gives_the_shared_nearby_clinician_to_the_request_with_least_slack():
    requests = [req("R2", STRETTON, waited=20), req("R1", LUDLOW, waited=85)]
    clinicians = [clin("A", BETWEEN), clin("B", SHREWSBURY)]
    plan = AssignmentEngine().propose(NOW, requests, clinicians)
    assert plan.for_request("R1").clinician_id == "A"
    r2 = plan.for_request("R2")
    assert r2.clinician_id == "B" and r2.meets_deadline and r2.dispatch_now
    assert "closest skilled clinician A" in r2.why and "needed for request R1" in r2.why
    assert "min before deadline" in r2.why


def test_skills_are_a_hard_constraint_even_when_a_closer_clinician_exists():
    plan = AssignmentEngine().propose(
        NOW,
        [req("R1", LUDLOW, skills=frozenset({"iv"}))],
        [clin("near", LUDLOW, skills=frozenset({"prescribing"})), clin("far", OSWESTRY)],
    )
    assert plan.for_request("R1").clinician_id == "far"


def test_nobody_with_the_skills_leaves_the_request_unplanned_with_a_reason():
    plan = AssignmentEngine().propose(
        NOW, [req("R1", LUDLOW, skills=frozenset({"palliative"}))], [clin("A", LUDLOW)]
    )
    assert plan.proposals == ()
    assert "skills needed (palliative)" in plan.unplanned[0].why


def test_soon_free_clinician_next_door_beats_an_idle_one_across_the_county():
    plan = AssignmentEngine().propose(
        NOW,
        [req("R1", LUDLOW)],
        [clin("idle-far", OSWESTRY), clin("busy-near", LUDLOW, free_in=10, busy_with="R0")],
    )
    p = plan.for_request("R1")
    assert p.clinician_id == "busy-near" and not p.dispatch_now
    assert "busy with R0" in p.why


def test_request_near_breach_outranks_a_fresh_priority_one():
    plan = AssignmentEngine().propose(
        NOW,
        [req("fresh-p1", SHREWSBURY, priority=1), req("old-p3", SHREWSBURY, waited=95, priority=3)],
        [clin("A", SHREWSBURY)],
    )
    first = plan.for_request("old-p3")
    assert first.queue_position == 1 and first.dispatch_now
    assert plan.for_request("fresh-p1").queue_position == 2


def test_ageing_lets_a_long_waiting_low_priority_request_go_first():
    young = [req("p1", SHREWSBURY, priority=1), req("p3", SHREWSBURY, priority=3, waited=5)]
    aged = [req("p1", SHREWSBURY, priority=1), req("p3", SHREWSBURY, priority=3, waited=60)]
    engine = AssignmentEngine()
    one = [clin("A", SHREWSBURY)]
    assert engine.propose(NOW, young, one).for_request("p1").queue_position == 1
    assert engine.propose(NOW, aged, one).for_request("p3").queue_position == 1


def test_clinician_who_declined_is_never_proposed_again():
    plan = AssignmentEngine().propose(
        NOW,
        [req("R1", LUDLOW, excluded=frozenset({"A"}))],
        [clin("A", LUDLOW), clin("B", OSWESTRY)],
    )
    assert plan.for_request("R1").clinician_id == "B"


def test_clinician_whose_shift_ends_before_arrival_is_not_sent():
    plan = AssignmentEngine().propose(
        NOW, [req("R1", LUDLOW)], [clin("A", SHREWSBURY, shift_left=20), clin("B", OSWESTRY)]
    )
    assert plan.for_request("R1").clinician_id == "B"


def test_unaccepted_assignment_is_kept_when_moving_it_gains_little():
    nearly_same = GridPoint(LUDLOW.easting + 1_500, LUDLOW.northing)
    plan = AssignmentEngine().propose(
        NOW, [req("R1", LUDLOW, held="A")], [clin("A", nearly_same), clin("B", LUDLOW)]
    )
    assert plan.for_request("R1").clinician_id == "A"


def test_busy_clinician_is_free_after_the_expected_visit_at_the_patient(new_clinician, new_request):
    travel = CountyRoadTravel()
    clinician = new_clinician("C1")
    clinician.status = clinician.status.AVAILABLE
    job = new_request(at=NOW - timedelta(minutes=30))
    job.assign("C1", NOW - timedelta(minutes=29))
    job.accept("C1", NOW - timedelta(minutes=28))
    job.arrive("C1", NOW - timedelta(minutes=10))
    a = availability_of(clinician, NOW, job=job, travel=travel)
    assert a is not None and a.free_at == NOW + timedelta(minutes=65)
    assert a.free_from == job.location.point and a.busy_with == job.id


def test_closest_idle_serves_oldest_first_and_never_waits_for_a_busy_clinician():
    requests = [req("new", SHREWSBURY, waited=1), req("old", LUDLOW, waited=30)]
    plan = ClosestIdle().propose(
        NOW, requests, [clin("A", SHREWSBURY), clin("B", LUDLOW, free_in=5)]
    )
    assert [p.request_id for p in plan.proposals] == ["old"]
    assert plan.for_request("old").clinician_id == "A"


def test_least_slack_plans_the_tightest_request_first_with_its_earliest_arrival():
    requests = [req("loose", SHREWSBURY), req("tight", LUDLOW, waited=70)]
    plan = LeastSlack().propose(NOW, requests, [clin("A", SHREWSBURY), clin("B", BETWEEN)])
    assert plan.proposals[0].request_id == "tight" and plan.proposals[0].clinician_id == "B"
    assert plan.for_request("loose").clinician_id == "A"


def test_preparedness_keeps_the_only_clinician_covering_a_patch_when_another_can_still_make_it():
    outlook = CoverageOutlook(
        easting=np.array([OSWESTRY.easting]),
        northing=np.array([OSWESTRY.northing]),
        weight=np.array([1.0]),
        hourly_rate=[2.0] * 24,
    )
    requests = [req("R1", SHREWSBURY)]
    clinicians = [clin("oswestry", OSWESTRY), clin("busy", SHREWSBURY, free_in=45)]
    assert (
        AssignmentEngine().propose(NOW, requests, clinicians).proposals[0].clinician_id
        == "oswestry"
    )
    kept = AssignmentEngine(coverage=outlook).propose(NOW, requests, clinicians)
    assert kept.proposals[0].clinician_id == "busy"


def test_two_hundred_requests_and_a_hundred_clinicians_plan_quickly():
    rng = np.random.default_rng(3)
    requests = [
        req(
            f"R{i}",
            GridPoint(rng.uniform(325_000, 380_000), rng.uniform(272_000, 340_000)),
            waited=float(rng.uniform(0, 110)),
            priority=int(rng.integers(1, 4)),
        )
        for i in range(200)
    ]
    clinicians = [
        clin(
            f"C{i}",
            GridPoint(rng.uniform(325_000, 380_000), rng.uniform(272_000, 340_000)),
            free_in=float(rng.choice([0, 30])),
        )
        for i in range(100)
    ]
    engine = AssignmentEngine()
    engine.propose(NOW, requests, clinicians)
    started = time.perf_counter()
    plan = engine.propose(NOW, requests, clinicians)
    assert time.perf_counter() - started < 0.5
    assert len({p.clinician_id for p in plan.proposals if p.queue_position == 1}) == len(
        [p for p in plan.proposals if p.queue_position == 1]
    )
