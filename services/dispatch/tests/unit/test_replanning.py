"""Auto-assign acts on the engine's plan: only what can start now, never churn a kept job."""

from datetime import UTC, datetime, timedelta

from dispatch.domain.assignment import AssignmentEngine
from dispatch.domain.availability import ClinicianAvailability, OpenRequest
from dispatch.domain.geography import GridPoint
from dispatch.domain.proposals import AssignmentPlan, Proposal
from dispatch.domain.replanning import replan

NOW = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
LUDLOW = GridPoint(351_257, 274_758)
OSWESTRY = GridPoint(329_000, 329_600)


def proposal(request_id: str, clinician_id: str, *, now: bool = True) -> Proposal:
    return Proposal(
        request_id=request_id,
        clinician_id=clinician_id,
        projected_arrival=NOW + timedelta(minutes=30),
        slack=timedelta(minutes=90),
        dispatch_now=now,
        queue_position=1 if now else 2,
        why=f"{clinician_id} is free now",
    )


def plan(*proposals: Proposal) -> AssignmentPlan:
    return AssignmentPlan(policy="engine", decided_at=NOW, proposals=proposals)


def test_free_clinician_is_assigned_and_the_reason_is_kept():
    result = replan(plan(proposal("R1", "C1")), held={}, takeable=frozenset({"C1"}))
    assert [(m.request_id, m.clinician_id, m.previous_clinician_id) for m in result.moves] == [
        ("R1", "C1", None)
    ]
    assert result.moves[0].why == "C1 is free now" and not result.releases


def test_request_the_plan_leaves_with_its_clinician_is_not_touched():
    result = replan(plan(proposal("R1", "C1")), held={"R1": "C1"}, takeable=frozenset({"C1"}))
    assert result.empty


def test_queued_proposals_and_clinicians_not_free_are_left_for_a_later_replan():
    queued = plan(proposal("R1", "C1", now=False), proposal("R2", "C2"))
    assert replan(queued, held={}, takeable=frozenset({"C1"})).empty


def test_clinician_needed_elsewhere_gives_back_their_unaccepted_request():
    moved = plan(proposal("R2", "C1"))
    result = replan(moved, held={"R1": "C1"}, takeable=frozenset({"C1"}))
    assert [(m.request_id, m.clinician_id) for m in result.moves] == [("R2", "C1")]
    assert [(r.request_id, r.clinician_id) for r in result.releases] == [("R1", "C1")]
    assert "needed for request R2" in result.releases[0].why


def test_engine_plan_moves_a_request_to_the_clinician_who_just_came_free_nearby():
    request = OpenRequest(
        request_id="R1",
        received_at=NOW - timedelta(minutes=5),
        deadline=NOW + timedelta(minutes=115),
        priority=2,
        skills_needed=frozenset({"prescribing"}),
        location=LUDLOW,
        current_clinician="FAR",
    )
    far = ClinicianAvailability(
        "FAR", frozenset({"prescribing"}), NOW, OSWESTRY, NOW + timedelta(hours=8)
    )
    near = ClinicianAvailability(
        "NEAR", frozenset({"prescribing"}), NOW, LUDLOW, NOW + timedelta(hours=8)
    )
    result = replan(
        AssignmentEngine().propose(NOW, [request], [far, near]),
        held={"R1": "FAR"},
        takeable=frozenset({"FAR", "NEAR"}),
    )
    assert [(m.clinician_id, m.previous_clinician_id) for m in result.moves] == [("NEAR", "FAR")]
    assert "NEAR is free now" in result.moves[0].why
