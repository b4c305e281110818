"""MDT reviews reschedule the plan; discharge closes it with the status FHIR defines."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import pytest

from careplans.domain.drafting import CaseManager, GpPractice, PlanAssignment, draft_plan
from careplans.domain.errors import InvalidReviewOutcome, PlanNotOpen
from careplans.domain.review_outcomes import (
    ReviewDecision,
    activate,
    discharge,
    discharge_status,
    next_review_date,
    record_review,
    withdraw,
)
from careplans.domain.vocabulary import DischargeReason, Locality, PlanKind, Tier
from careplans.fhir.validation import validate_resource

REVIEWED = datetime(2025, 4, 1, 14, 0, tzinfo=UTC)


def plan(tier: Tier = Tier.HIGH) -> dict[str, Any]:
    ids = itertools.count(1)
    assignment = PlanAssignment(
        patient_id="p1",
        tier=tier,
        case_manager=CaseManager("cm-1", "Alex Morgan", "community-nurse"),
        gp_practice=GpPractice("M82001"),
        locality=Locality.SOUTH,
        assigned_at=datetime(2025, 3, 3, tzinfo=UTC),
    )
    return activate(
        draft_plan(assignment, new_id=lambda: f"id-{next(ids)}").care_plan,
        at=datetime(2025, 3, 5, tzinfo=UTC),
    )


def test_agreeing_a_draft_makes_it_active() -> None:
    assert plan()["status"] == "active"


def test_only_a_draft_can_be_agreed() -> None:
    with pytest.raises(PlanNotOpen):
        activate(plan(), at=REVIEWED)


def test_adjusting_adds_a_note_and_bumps_the_review() -> None:
    before = plan()
    after = record_review(
        before,
        ReviewDecision.ADJUST_PLAN,
        at=REVIEWED,
        summary="Add OT home assessment",
        reviewed_by="MDT",
    )
    assert next_review_date(after) == date(2025, 4, 29)
    assert "Add OT home assessment" in after["note"][-1]["text"]
    assert after["note"][-1]["authorString"] == "MDT"
    assert len(before["note"]) == len(after["note"]) - 1  # the input is not changed
    assert validate_resource(after, endpoint_type="CarePlan").ok


def test_adjustment_must_say_what_changes() -> None:
    with pytest.raises(InvalidReviewOutcome):
        record_review(plan(), ReviewDecision.ADJUST_PLAN, at=REVIEWED, summary=" ")


def test_mdt_may_agree_a_shorter_interval_but_not_a_longer_one() -> None:
    shorter = record_review(
        plan(), ReviewDecision.CONTINUE, at=REVIEWED, summary="", agreed_days=14
    )
    assert next_review_date(shorter) == date(2025, 4, 15)
    with pytest.raises(InvalidReviewOutcome):
        record_review(plan(), ReviewDecision.CONTINUE, at=REVIEWED, summary="", agreed_days=60)


def test_next_review_sent_by_caseload_is_used() -> None:
    after = record_review(
        plan(Tier.MEDIUM),
        ReviewDecision.CONTINUE,
        at=REVIEWED,
        summary="",
        next_review=date(2025, 5, 1),
    )
    assert next_review_date(after) == date(2025, 5, 1)


def test_discharge_on_improvement_completes_the_plan() -> None:
    closed = discharge(plan(), DischargeReason.IMPROVED, at=REVIEWED, decided_by="MDT")
    assert closed["status"] == "completed"
    assert closed["period"]["end"] == "2025-04-01"
    assert {a["detail"]["status"] for a in closed["activity"]} == {"cancelled"}
    assert validate_resource(closed, endpoint_type="CarePlan").ok


@pytest.mark.parametrize("reason", [DischargeReason.PATIENT_CHOICE, DischargeReason.DIED])
def test_discharge_before_the_work_is_done_revokes_the_plan(reason: DischargeReason) -> None:
    closed = discharge(plan(), reason, at=REVIEWED)
    assert closed["status"] == "revoked"
    assert "Discharged" in closed["note"][-1]["text"]


def test_end_of_life_plan_is_completed_on_death() -> None:
    assert discharge_status(DischargeReason.DIED, PlanKind.END_OF_LIFE) == "completed"
    assert discharge_status(DischargeReason.DIED, PlanKind.EMERGENCY) == "revoked"


def test_in_progress_activities_are_stopped_on_discharge() -> None:
    active = plan()
    active["activity"][0]["detail"]["status"] = "in-progress"
    closed = discharge(active, DischargeReason.PATIENT_CHOICE, at=REVIEWED)
    assert closed["activity"][0]["detail"]["status"] == "stopped"


def test_closed_plan_cannot_be_reviewed_or_discharged_again() -> None:
    closed = discharge(plan(), DischargeReason.IMPROVED, at=REVIEWED)
    with pytest.raises(PlanNotOpen):
        record_review(closed, ReviewDecision.CONTINUE, at=REVIEWED, summary="")
    with pytest.raises(PlanNotOpen):
        discharge(closed, DischargeReason.DIED, at=REVIEWED)


def test_plan_without_tier_needs_the_next_review_date() -> None:
    untiered = plan()
    untiered.pop("extension")
    with pytest.raises(InvalidReviewOutcome):
        record_review(untiered, ReviewDecision.CONTINUE, at=REVIEWED, summary="")


def test_a_withdrawn_case_revokes_its_plan_and_says_why() -> None:
    closed = withdraw(plan(), "referral entered in error", at=REVIEWED, withdrawn_by="tl-1")
    assert closed["status"] == "revoked"
    assert closed["note"][-1]["text"] == "Case withdrawn: referral entered in error"
    assert {a["detail"]["status"] for a in closed["activity"]} == {"cancelled"}
    assert validate_resource(closed, endpoint_type="CarePlan").ok
