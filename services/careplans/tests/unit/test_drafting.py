"""A newly assigned patient gets a draft plan shaped by their tier, and a care team."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from careplans.domain.drafting import (
    PLAN_OWNER_EXTENSION,
    CaseManager,
    DraftPlan,
    GpPractice,
    PlanAssignment,
    TeamMember,
    draft_plan,
)
from careplans.domain.errors import InvalidAssignment
from careplans.domain.review_outcomes import next_review_date
from careplans.domain.vocabulary import Locality, Tier
from careplans.fhir.validation import validate_resource

ASSIGNED = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)


def assignment(tier: Tier = Tier.HIGH, **kw: object) -> PlanAssignment:
    values: dict[str, object] = {
        "patient_id": "pat-9434765919",
        "tier": tier,
        "case_manager": CaseManager("cm-0042", "Alex Morgan", "community-matron"),
        "gp_practice": GpPractice("M82001", "Example Medical Practice"),
        "locality": Locality.NORTH,
        "assigned_at": ASSIGNED,
        "nhs_number": "9434765919",
        "case_id": "case-77",
    }
    values.update(kw)
    return PlanAssignment(**values)  # type: ignore[arg-type]


def draft(tier: Tier = Tier.HIGH, **kw: object) -> DraftPlan:
    counter = itertools.count(1)
    return draft_plan(assignment(tier, **kw), new_id=lambda: f"id-{next(counter)}")


def activity_texts(plan: dict[str, object]) -> list[str]:
    return [a["detail"]["code"]["text"] for a in plan["activity"]]  # type: ignore[attr-defined,index]


def test_draft_plan_and_team_are_valid_r4() -> None:
    result = draft()
    assert validate_resource(result.care_team, endpoint_type="CareTeam").ok
    outcome = validate_resource(result.care_plan, endpoint_type="CarePlan")
    assert outcome.ok, outcome.issues


def test_draft_is_an_integrated_draft_plan_for_the_patient() -> None:
    plan = draft().care_plan
    assert (plan["status"], plan["intent"]) == ("draft", "plan")
    assert plan["category"][0]["coding"][0]["code"] == "integrated"
    assert plan["subject"]["reference"] == "Patient/pat-9434765919"
    assert plan["subject"]["identifier"]["value"] == "9434765919"
    assert plan["period"] == {"start": "2025-03-03"}


def test_plan_refers_to_its_care_team_and_case_manager() -> None:
    result = draft()
    assert result.care_plan["careTeam"] == [{"reference": f"CareTeam/{result.care_team['id']}"}]
    assert result.care_plan["author"]["reference"] == "Practitioner/cm-0042"


def test_case_manager_is_care_coordinator_and_gp_practice_is_on_the_team() -> None:
    team = draft(others=(TeamMember("Practitioner/sw-9", "Social worker", "Sam Lee"),)).care_team
    roles = [p["role"][0]["coding"][0]["code"] for p in team["participant"]]
    assert roles == ["care-coordinator", "gp-practice", "member"]
    assert team["participant"][0]["member"]["reference"] == "Practitioner/cm-0042"
    assert "community-matron" in team["participant"][0]["role"][0]["text"]
    assert team["participant"][1]["member"]["reference"] == "Organization/M82001"


@pytest.mark.parametrize("tier", [Tier.HIGHEST, Tier.HIGH])
def test_highest_and_high_tiers_screen_for_end_of_life_too(tier: Tier) -> None:
    assert activity_texts(draft(tier).care_plan) == [
        "Falls risk screening",
        "Dementia screening",
        "Medicines management review",
        "End of life screening",
        "MDT review",
    ]


@pytest.mark.parametrize("tier", [Tier.MEDIUM, Tier.LOW])
def test_medium_and_low_tiers_screen_falls_dementia_and_medicines(tier: Tier) -> None:
    assert activity_texts(draft(tier).care_plan) == [
        "Falls risk screening",
        "Dementia screening",
        "Medicines management review",
        "MDT review",
    ]


def test_screening_items_are_not_started_and_scheduled_from_assignment() -> None:
    screening = draft().care_plan["activity"][0]["detail"]
    assert screening["status"] == "not-started"
    assert screening["scheduledTiming"]["repeat"]["boundsPeriod"]["start"] == "2025-03-03"
    assert screening["scheduledTiming"]["code"]["text"] == "At each appointment/assessment"


def test_low_tier_screens_at_each_appointment() -> None:
    screening = draft(Tier.LOW).care_plan["activity"][0]["detail"]
    assert screening["scheduledTiming"]["code"]["text"] == "At each appointment"


@pytest.mark.parametrize(
    ("tier", "due"),
    [
        (Tier.HIGHEST, date(2025, 3, 17)),
        (Tier.HIGH, date(2025, 3, 31)),
        (Tier.MEDIUM, date(2025, 6, 2)),
        (Tier.LOW, date(2026, 3, 3)),
    ],
)
def test_first_mdt_review_falls_at_the_tiers_frequency(tier: Tier, due: date) -> None:
    assert next_review_date(draft(tier).care_plan) == due


def test_high_tier_review_repeats_monthly_to_six_weekly() -> None:
    review = draft(Tier.HIGH).care_plan["activity"][-1]["detail"]
    assert review["status"] == "scheduled"
    assert review["scheduledTiming"]["repeat"] == {
        "frequency": 1,
        "period": 28,
        "periodUnit": "d",
        "periodMax": 42,
    }


def test_review_date_sent_by_caseload_wins() -> None:
    plan = draft(Tier.MEDIUM, next_review_on=date(2025, 4, 1)).care_plan
    assert next_review_date(plan) == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("tier", "owner"),
    [
        (Tier.HIGHEST, "End of Life coordination services or community matron"),
        (Tier.HIGH, "Integrated care team coordination, initially assessed by the case manager"),
        (Tier.MEDIUM, "Primary and community care"),
        (Tier.LOW, "Self-care led care planning"),
    ],
)
def test_plan_owner_follows_the_tier(tier: Tier, owner: str) -> None:
    plan = draft(tier).care_plan
    extension = next(e for e in plan["extension"] if e["url"] == PLAN_OWNER_EXTENSION)
    assert extension["valueString"].startswith(owner)
    assert owner in plan["note"][0]["text"]


def test_self_care_plan_without_case_manager_is_authored_by_the_practice() -> None:
    result = draft(Tier.LOW, case_manager=None)
    assert result.care_plan["author"] == {"reference": "Organization/M82001"}
    assert [p["role"][0]["coding"][0]["code"] for p in result.care_team["participant"]] == [
        "gp-practice"
    ]
    assert validate_resource(result.care_plan, endpoint_type="CarePlan").ok


def test_case_id_is_carried_as_identifier() -> None:
    assert draft().care_plan["identifier"][0]["value"] == "case-77"


def test_invalid_nhs_number_is_refused() -> None:
    with pytest.raises(InvalidAssignment):
        draft(nhs_number="9434765918")


def test_naive_assignment_time_is_refused() -> None:
    with pytest.raises(InvalidAssignment):
        draft(assigned_at=datetime(2025, 3, 3, 9, 30))
