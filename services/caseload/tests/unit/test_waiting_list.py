"""Waiting list: FIFO within priority, placed when capacity frees, never overtaken in its pool."""

from __future__ import annotations

from datetime import timedelta

from caseload.domain.assignment import DecisionKind, TeamLeadOverride
from caseload.domain.caseloads import Caseloads
from caseload.domain.events import CaseAssigned
from caseload.domain.mdt_review import MdtReview
from caseload.domain.vocabulary import (
    CaseStatus,
    DischargeReason,
    Locality,
    MostPressingNeed,
    ReviewOutcome,
    Tier,
)


def fill_social_worker(caseloads, referral, case_ids, clock):
    cases = []
    for _ in range(3):
        case, _ = caseloads.assign(
            referral(need=MostPressingNeed.SOCIAL),
            case_id=case_ids(),
            now=clock.now(),
            override=TeamLeadOverride(case_manager_id="n-social", reason="setup", decided_by="l"),
        )
        cases.append(case)
    return cases


def discharge(caseloads: Caseloads, case, clock) -> None:
    caseloads.record_review(
        case,
        MdtReview(
            outcome=ReviewOutcome.DISCHARGE,
            decided_by="mdt",
            reviewed_at=clock.now(),
            discharge_reason=DischargeReason.DIED,
        ),
    )


def test_waiting_patients_are_placed_highest_tier_first_then_oldest(
    caseloads, referral, case_ids, clock
):
    held = fill_social_worker(caseloads, referral, case_ids, clock)
    waiting = {}
    for tier in (Tier.HIGH, Tier.HIGHEST, Tier.HIGH):
        case, decision = caseloads.assign(
            referral(need=MostPressingNeed.SOCIAL, tier=tier), case_id=case_ids(), now=clock.now()
        )
        assert decision.kind is DecisionKind.WAITING_LIST
        waiting[case.case_id] = case
        clock.advance(timedelta(hours=1))
    first_high, highest, second_high = waiting.values()
    assert [e.case_id for e in caseloads.waiting.ordered()] == [
        highest.case_id,
        first_high.case_id,
        second_high.case_id,
    ]
    discharge(caseloads, held[0], clock)  # frees 2 points: not enough for the Highest (3)
    assert caseloads.assign_from_waiting_list(waiting, now=clock.now()) == []
    discharge(caseloads, held[1], clock)  # 4 points free
    placed = caseloads.assign_from_waiting_list(waiting, now=clock.now())
    assert [c.case_id for c, _ in placed] == [highest.case_id]
    discharge(caseloads, held[2], clock)
    placed = caseloads.assign_from_waiting_list(waiting, now=clock.now())
    assert [c.case_id for c, _ in placed] == [first_high.case_id]
    assert second_high.status is CaseStatus.WAITING


def test_a_waiting_patient_does_not_block_another_locality(caseloads, referral, case_ids, clock):
    fill_social_worker(caseloads, referral, case_ids, clock)
    north, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now()
    )
    central, decision = caseloads.assign(
        referral(locality=Locality.CENTRAL), case_id=case_ids(), now=clock.now()
    )
    assert north.status is CaseStatus.WAITING
    assert decision.kind is DecisionKind.CASE_MANAGER and central.case_manager_id == "c-nurse"


def test_new_referral_queues_behind_an_equal_priority_patient_already_waiting(
    caseloads, referral, case_ids, clock
):
    held = fill_social_worker(caseloads, referral, case_ids, clock)
    first, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGHEST),
        case_id=case_ids(),
        now=clock.now(),
    )
    discharge(caseloads, held[0], clock)  # 2 points free: a High case would fit
    later, decision = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGH), case_id=case_ids(), now=clock.now()
    )
    assert decision.kind is DecisionKind.WAITING_LIST
    assert "already waiting" in decision.why
    assert later.status is CaseStatus.WAITING and first.status is CaseStatus.WAITING


def test_assignment_from_waiting_list_emits_case_assigned_from_the_list(
    caseloads, referral, case_ids, clock
):
    held = fill_social_worker(caseloads, referral, case_ids, clock)
    case, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now()
    )
    case.pull_events()
    discharge(caseloads, held[0], clock)
    [(placed, decision)] = caseloads.assign_from_waiting_list({case.case_id: case}, now=clock.now())
    assert placed.case_manager_id == "n-social" and case.case_id not in caseloads.waiting
    [event] = case.pull_events()
    assert isinstance(event, CaseAssigned) and event.from_waiting_list
    assert event.why == decision.why


def test_waiting_patient_who_dies_leaves_the_list(caseloads, referral, case_ids, clock):
    fill_social_worker(caseloads, referral, case_ids, clock)
    case, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now()
    )
    discharge(caseloads, case, clock)
    assert case.status is CaseStatus.DISCHARGED and case.case_id not in caseloads.waiting
    assert caseloads.ledger.open_case_for(case.patient_key) is None


def test_tier_rise_while_waiting_moves_the_patient_up(caseloads, referral, case_ids, clock):
    fill_social_worker(caseloads, referral, case_ids, clock)
    older, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGH), case_id=case_ids(), now=clock.now()
    )
    clock.advance(timedelta(days=1))
    newer, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGH), case_id=case_ids(), now=clock.now()
    )
    caseloads.change_tier(newer, Tier.HIGHEST, now=clock.now())
    assert [e.case_id for e in caseloads.waiting.ordered()] == [newer.case_id, older.case_id]
