"""Assignment: who holds an accepted referral, explained, with overrides and a waiting list."""

from __future__ import annotations

import pytest

from caseload.domain.assignment import NEED_PROFESSIONS, DecisionKind, Fit, TeamLeadOverride
from caseload.domain.caseloads import Caseloads
from caseload.domain.errors import (
    CaseAlreadyOpen,
    CaseManagerAtCapacity,
    CaseManagerInactive,
    OutOfLocalityNeedsReason,
    OverrideReasonRequired,
    UnknownCaseManager,
)
from caseload.domain.events import CaseAssigned, CaseWaitlisted
from caseload.domain.vocabulary import (
    AssignmentKind,
    CaseStatus,
    Locality,
    MostPressingNeed,
    NeedLevel,
    Profession,
    Tier,
)
from cch_contracts.clock import FakeClock


def fill(caseloads, referral, case_ids, clock, manager_id, points):
    """Give a manager `points` of High (2-point) cases through an override."""
    for _ in range(points // 2):
        caseloads.assign(
            referral(),
            case_id=case_ids(),
            now=clock.now(),
            override=TeamLeadOverride(
                case_manager_id=manager_id, reason="setup", decided_by="lead"
            ),
        )


def test_severe_nursing_need_goes_to_least_utilised_fitting_nurse(
    caseloads, referral, case_ids, clock
):
    fill(caseloads, referral, case_ids, clock, "n-nurse-a", 4)
    fill(caseloads, referral, case_ids, clock, "n-matron", 2)
    decision = caseloads.decide(referral())
    assert decision.kind is DecisionKind.CASE_MANAGER
    assert decision.case_manager is not None
    assert decision.case_manager.manager_id == "n-nurse-b"
    assert "least utilised" in decision.why and "Ben Nurse" in decision.why


def test_candidates_considered_carry_scores_best_first(caseloads, referral, case_ids, clock):
    fill(caseloads, referral, case_ids, clock, "n-nurse-a", 2)
    decision = caseloads.decide(referral(tier=Tier.HIGHEST))
    ids = [c.manager_id for c in decision.candidates]
    assert ids == ["n-matron", "n-nurse-b", "n-nurse-a"]
    first, _, last = decision.candidates
    assert first.utilisation_after == pytest.approx(3 / 6)
    assert last.load_points == 2 and last.utilisation_after == pytest.approx(5 / 6)
    assert all(c.has_capacity for c in decision.candidates)
    assert decision.weight == 3


def test_equal_utilisation_ties_break_to_profession_fit_then_lowest_id(caseloads, referral):
    decision = caseloads.decide(referral())
    assert decision.case_manager is not None
    assert decision.case_manager.manager_id == "n-matron"  # "n-matron" < "n-nurse-a"
    medicines = caseloads.decide(referral(need=MostPressingNeed.MEDICINES))
    assert [c.fit for c in medicines.candidates] == [Fit.SKILL]


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        (MostPressingNeed.SOCIAL, Profession.SOCIAL_WORKER),
        (MostPressingNeed.MEDICINES, Profession.COMMUNITY_MATRON),  # prescribing skill
        (MostPressingNeed.END_OF_LIFE, Profession.COMMUNITY_MATRON),
    ],
)
def test_profession_follows_the_most_pressing_need(caseloads, referral, need, expected):
    decision = caseloads.decide(referral(need=need))
    assert decision.case_manager is not None
    assert decision.case_manager.profession is expected


def test_every_need_has_documented_professions():
    assert set(NEED_PROFESSIONS) == set(MostPressingNeed)
    assert NEED_PROFESSIONS[MostPressingNeed.MENTAL_HEALTH] == (Profession.MENTAL_HEALTH_NURSE,)


def test_locality_with_no_fitting_profession_falls_back_to_community_matron(caseloads, referral):
    decision = caseloads.decide(referral(need=MostPressingNeed.MENTAL_HEALTH))
    assert decision.case_manager is not None
    assert decision.case_manager.manager_id == "n-matron"
    assert decision.candidates[0].fit is Fit.FALLBACK
    assert "fallback" in decision.why


def test_moderate_need_goes_to_the_locality_integrated_care_team(
    caseloads, referral, case_ids, clock
):
    case, decision = caseloads.assign(
        referral(need_level=NeedLevel.MODERATE, locality=Locality.SOUTH),
        case_id=case_ids(),
        now=clock.now(),
    )
    assert decision.kind is DecisionKind.INTEGRATED_TEAM
    assert case.assignment is not None and case.assignment.owner == "team:ict-south"
    assert caseloads.ledger.team_cases("ict-south") == 1
    [event] = case.pull_events()
    assert isinstance(event, CaseAssigned) and event.team_id == "ict-south"
    assert event.case_manager is None


def test_mild_need_gets_self_care_support(caseloads, referral, case_ids, clock):
    case, decision = caseloads.assign(
        referral(need_level=NeedLevel.MILD, tier=Tier.LOW), case_id=case_ids(), now=clock.now()
    )
    assert decision.kind is DecisionKind.SELF_CARE
    assert case.assignment_kind is AssignmentKind.SELF_CARE
    assert case.status is CaseStatus.ACTIVE


def test_no_capacity_puts_the_patient_on_the_waiting_list_with_the_reason(
    caseloads, referral, case_ids, clock
):
    for manager_id in ("n-nurse-a", "n-nurse-b", "n-matron"):
        fill(caseloads, referral, case_ids, clock, manager_id, 6)
    case, decision = caseloads.assign(referral(), case_id=case_ids(), now=clock.now())
    assert decision.kind is DecisionKind.WAITING_LIST
    assert "all 3 fitting case managers are at capacity" in decision.why
    assert not any(c.has_capacity for c in decision.candidates)
    assert case.status is CaseStatus.WAITING and case.case_id in caseloads.waiting
    [event] = case.pull_events()
    assert isinstance(event, CaseWaitlisted) and event.reason == decision.why


def test_inactive_and_other_locality_managers_are_not_considered(caseloads, referral):
    caseloads.workforce.set_active("n-matron", False)
    decision = caseloads.decide(referral())
    assert {c.manager_id for c in decision.candidates} == {"n-nurse-a", "n-nurse-b"}


def test_practice_mapping_decides_the_locality(caseloads, referral):
    caseloads.workforce.map_practice("m82001", Locality.CENTRAL)
    decision = caseloads.decide(referral(locality=Locality.NORTH, practice_code="M82001"))
    assert decision.locality is Locality.CENTRAL
    assert decision.case_manager is not None and decision.case_manager.manager_id == "c-nurse"


def test_override_needs_a_reason(caseloads, referral):
    with pytest.raises(OverrideReasonRequired) as err:
        caseloads.decide(
            referral(),
            override=TeamLeadOverride(case_manager_id="n-social", reason="  ", decided_by="lead"),
        )
    assert err.value.code == "override-reason-required"


def test_override_assigns_the_chosen_manager_and_says_why(caseloads, referral, case_ids, clock):
    override = TeamLeadOverride(
        case_manager_id="n-social", reason="known to family", decided_by="lead-1"
    )
    case, decision = caseloads.assign(
        referral(), case_id=case_ids(), now=clock.now(), override=override
    )
    assert decision.overridden and case.case_manager_id == "n-social"
    assert "known to family" in decision.why and "lead-1" in decision.why
    [event] = case.pull_events()
    assert isinstance(event, CaseAssigned) and event.overridden


def test_outside_locality_needs_an_override_reason(caseloads, referral, case_ids, clock):
    override = TeamLeadOverride(case_manager_id="c-nurse", reason="continuity", decided_by="lead")
    with pytest.raises(OutOfLocalityNeedsReason):
        caseloads.decide(referral(), override=override)
    allowed = TeamLeadOverride(
        case_manager_id="c-nurse",
        reason="continuity",
        decided_by="lead",
        out_of_locality_reason="patient moving to Central next month",
    )
    case, decision = caseloads.assign(
        referral(), case_id=case_ids(), now=clock.now(), override=allowed
    )
    assert case.case_manager_id == "c-nurse" and "moving to Central" in decision.why


def test_override_cannot_exceed_capacity_or_use_inactive_or_unknown_manager(
    caseloads, referral, case_ids, clock
):
    fill(caseloads, referral, case_ids, clock, "n-social", 6)
    for manager_id, error in (
        ("n-social", CaseManagerAtCapacity),
        ("nobody", UnknownCaseManager),
    ):
        with pytest.raises(error):
            caseloads.decide(
                referral(),
                override=TeamLeadOverride(case_manager_id=manager_id, reason="r", decided_by="l"),
            )
    caseloads.workforce.set_active("n-nurse-a", False)
    with pytest.raises(CaseManagerInactive):
        caseloads.decide(
            referral(),
            override=TeamLeadOverride(case_manager_id="n-nurse-a", reason="r", decided_by="l"),
        )


def test_a_patient_has_at_most_one_open_case(caseloads, referral, case_ids, clock):
    caseloads.assign(referral(patient_key="p-1"), case_id=case_ids(), now=clock.now())
    with pytest.raises(CaseAlreadyOpen):
        caseloads.assign(referral(patient_key="p-1"), case_id=case_ids(), now=clock.now())


def test_assignment_adds_the_case_weight_to_the_manager_load(caseloads, referral, case_ids, clock):
    case, _ = caseloads.assign(referral(tier=Tier.HIGHEST), case_id=case_ids(), now=clock.now())
    load = caseloads.ledger.load_of(case.case_manager_id or "")
    assert (load.points, load.cases) == (3, 1)


def test_unscored_severe_case_weighs_as_high(caseloads, referral, case_ids, clock):
    case, decision = caseloads.assign(referral(tier=None), case_id=case_ids(), now=clock.now())
    assert decision.weight == 2 and case.weight == 2


def test_tier_rise_increases_the_load_on_the_manager(
    caseloads, referral, case_ids, clock: FakeClock
):
    case, _ = caseloads.assign(referral(tier=Tier.MEDIUM), case_id=case_ids(), now=clock.now())
    caseloads.change_tier(case, Tier.HIGHEST, now=clock.now())
    assert caseloads.ledger.load_of(case.case_manager_id or "").points == 3


def test_decide_changes_nothing(caseloads: Caseloads, referral):
    caseloads.decide(referral())
    assert caseloads.ledger.open_cases() == 0 and len(caseloads.waiting) == 0
