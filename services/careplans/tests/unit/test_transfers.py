"""An MDT transfer hands care coordination to the next case manager; the old one's access ends."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from careplans.domain.access import AccessPolicy
from careplans.domain.drafting import CaseManager, GpPractice, PlanAssignment, draft_plan
from careplans.domain.errors import PlanNotOpen
from careplans.domain.review_outcomes import discharge
from careplans.domain.transfers import Transfer, transfer_care_team, transfer_plan
from careplans.domain.vocabulary import DischargeReason, Locality, Tier
from careplans.fhir.care_teams import patient_care_team
from careplans.fhir.validation import validate_resource
from cch_auth import Principal
from cch_auth.smart import Interaction, parse_scopes

ASSIGNED = datetime(2025, 3, 3, 9, tzinfo=UTC)
MOVED = datetime(2025, 4, 1, 10, tzinfo=UTC)
NEXT = CaseManager("cm-8", "Ali Nurse", "district nurse")


def _draft():
    ids = (f"id-{n}" for n in itertools.count())
    assignment = PlanAssignment(
        patient_id="p1",
        tier=Tier.HIGH,
        case_manager=CaseManager("cm-7", "Sam Matron", "community matron"),
        gp_practice=GpPractice("M82001"),
        locality=Locality.NORTH,
        assigned_at=ASSIGNED,
        case_id="case-1",
    )
    return draft_plan(assignment, new_id=lambda: next(ids))


def _reads(team: dict, practitioner: str, on: datetime) -> bool:
    user = Principal(
        practitioner,
        frozenset({"case-manager"}),
        parse_scopes("user/CarePlan.rs"),
        None,
        practitioner,
    )
    care_team = patient_care_team(team)
    assert care_team is not None
    decision = AccessPolicy().decide(
        user,
        resource_type="CarePlan",
        interaction=Interaction.READ,
        patient_id="p1",
        care_teams=[care_team],
        at=on,
    )
    return decision.allowed


def test_transfer_ends_the_old_coordinator_and_adds_the_new_one() -> None:
    team = _draft().care_team
    moved = transfer_care_team(team, Transfer(NEXT, None, "moved south", MOVED, "mdt"))
    assert _reads(moved, "cm-8", datetime(2025, 4, 2, tzinfo=UTC))
    assert not _reads(moved, "cm-7", datetime(2025, 4, 2, tzinfo=UTC))
    assert _reads(moved, "cm-7", datetime(2025, 3, 20, tzinfo=UTC))  # history stays true
    assert moved["note"][-1]["text"] == "Transferred to Ali Nurse: moved south"
    assert validate_resource(moved, endpoint_type="CareTeam").ok
    assert team["participant"][0].get("period", {}).get("end") is None  # input untouched


def test_transfer_to_the_current_coordinator_changes_nothing() -> None:
    team = _draft().care_team
    same = CaseManager("cm-7", "Sam Matron", "community matron")
    assert transfer_care_team(team, Transfer(same, None, "no change", MOVED)) is team


def test_transfer_to_another_setting_names_it_on_the_plan() -> None:
    plan = _draft().care_plan
    moved = transfer_plan(plan, Transfer(None, "hospice", "end of life care", MOVED))
    assert moved["author"] == plan["author"]
    assert moved["note"][-1]["text"].endswith("to hospice: end of life care")
    assert validate_resource(moved, endpoint_type="CarePlan").ok


def test_new_case_manager_becomes_the_plan_author() -> None:
    moved = transfer_plan(_draft().care_plan, Transfer(NEXT, None, "capacity", MOVED))
    assert moved["author"]["reference"] == "Practitioner/cm-8"


def test_closed_plan_cannot_be_transferred() -> None:
    closed = discharge(_draft().care_plan, DischargeReason.IMPROVED, at=MOVED)
    with pytest.raises(PlanNotOpen):
        transfer_plan(closed, Transfer(NEXT, None, "late", datetime(2025, 5, 1, tzinfo=UTC)))


def test_draft_without_a_gp_practice_still_has_a_team_and_plan() -> None:
    ids = (f"id-{n}" for n in itertools.count())
    assignment = PlanAssignment(
        patient_id="p1",
        tier=Tier.LOW,
        case_manager=None,
        gp_practice=None,
        locality=Locality.SOUTH,
        assigned_at=ASSIGNED,
    )
    draft = draft_plan(assignment, new_id=lambda: next(ids))
    assert "managingOrganization" not in draft.care_team
    assert validate_resource(draft.care_plan, endpoint_type="CarePlan").ok
    review = draft.care_plan["activity"][-1]["detail"]["scheduledTiming"]["event"][0]
    assert review == date(2026, 3, 3).isoformat()
