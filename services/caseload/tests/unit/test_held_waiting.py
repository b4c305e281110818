"""A waiting patient whose referral is on hold keeps their place, is passed over when capacity
frees, holds up no one, and is placed when the referral resumes if there is room then."""

from __future__ import annotations

from datetime import timedelta

from caseload.domain.assignment import DecisionKind
from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import Case
from caseload.domain.vocabulary import CaseStatus, MostPressingNeed, Tier

from .test_waiting_list import discharge, fill_social_worker


def hold(caseloads: Caseloads, case: Case, clock, status: str = "on-hold") -> bool:
    return caseloads.follow_referral_status(
        case, status, reason="awaiting GP letter", by="Referrals Clerk", at=clock.now()
    )


def two_waiting(caseloads, referral, case_ids, clock) -> tuple[list[Case], Case, Case]:
    """The social worker full; two High-tier patients waiting for them, the first one older."""
    placed = fill_social_worker(caseloads, referral, case_ids, clock)
    first, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now()
    )
    clock.advance(timedelta(hours=1))
    second, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now()
    )
    assert first.status is CaseStatus.WAITING and second.status is CaseStatus.WAITING
    return placed, first, second


def test_a_held_patient_is_passed_over_when_capacity_frees_and_keeps_their_place(
    caseloads, referral, case_ids, clock
):
    placed, first, second = two_waiting(caseloads, referral, case_ids, clock)
    place_before = caseloads.waiting.get(first.case_id)
    assert hold(caseloads, first, clock) is True
    assert first.referral_status == "on-hold" and first.status is CaseStatus.WAITING

    discharge(caseloads, placed[0], clock)  # room for one High-tier case
    waiting = {first.case_id: first, second.case_id: second}
    [(case, _)] = caseloads.assign_from_waiting_list(waiting, now=clock.now())

    assert case is second and second.case_manager_id == "n-social"
    assert first.status is CaseStatus.WAITING and first.assignment is None
    entry = caseloads.waiting.get(first.case_id)
    assert entry is not None and entry.on_hold
    assert place_before is not None and entry.sequence == place_before.sequence
    assert [e.case_id for e in caseloads.waiting.ordered()] == [first.case_id]


def test_a_resumed_patient_is_placed_when_there_is_room(caseloads, referral, case_ids, clock):
    placed, first, second = two_waiting(caseloads, referral, case_ids, clock)
    hold(caseloads, first, clock)
    discharge(caseloads, placed[0], clock)
    discharge(caseloads, placed[1], clock)  # room for two: only the patient not held is placed
    waiting = {first.case_id: first, second.case_id: second}
    assert [c for c, _ in caseloads.assign_from_waiting_list(waiting, now=clock.now())] == [second]

    assert hold(caseloads, first, clock, status="active") is True
    [(case, _)] = caseloads.assign_from_waiting_list({first.case_id: first}, now=clock.now())
    assert case is first and first.status is CaseStatus.ACTIVE
    assert first.case_manager_id == "n-social" and first.case_id not in caseloads.waiting


def test_a_resumed_patient_without_room_waits_at_the_head_of_their_pool(
    caseloads, referral, case_ids, clock
):
    _, first, second = two_waiting(caseloads, referral, case_ids, clock)
    hold(caseloads, first, clock)
    hold(caseloads, first, clock, status="active")
    waiting = {first.case_id: first, second.case_id: second}
    assert caseloads.assign_from_waiting_list(waiting, now=clock.now()) == []
    assert [e.case_id for e in caseloads.waiting.ordered()] == [first.case_id, second.case_id]
    assert not any(e.on_hold for e in caseloads.waiting.ordered())


def test_a_newcomer_does_not_queue_behind_a_held_patient(caseloads, referral, case_ids, clock):
    placed = fill_social_worker(caseloads, referral, case_ids, clock)
    held, _ = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGHEST),
        case_id=case_ids(),
        now=clock.now(),
    )
    hold(caseloads, held, clock)
    discharge(caseloads, placed[0], clock)  # 2 points free: a High-tier case fits
    newcomer, decision = caseloads.assign(
        referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGH), case_id=case_ids(), now=clock.now()
    )
    assert decision.kind is DecisionKind.CASE_MANAGER and newcomer.case_manager_id == "n-social"
    assert held.status is CaseStatus.WAITING


def test_a_hold_noted_twice_changes_nothing_more(caseloads, referral, case_ids, clock):
    _, first, _ = two_waiting(caseloads, referral, case_ids, clock)
    assert hold(caseloads, first, clock) is True
    assert hold(caseloads, first, clock) is False  # redelivered
    assert [h.action for h in first.history].count("referral-on-hold") == 1


def test_a_new_inclusion_of_a_held_referral_ends_the_hold(caseloads, referral, case_ids, clock):
    placed, first, _ = two_waiting(caseloads, referral, case_ids, clock)
    hold(caseloads, first, clock)
    clock.advance(timedelta(hours=1))
    assert caseloads.end_hold(first, decided_at=clock.now(), decided_by="MDT chair") is True
    assert first.referral_status is None and first.history[-1].action == "referral-hold-ended"
    entry = caseloads.waiting.get(first.case_id)
    assert entry is not None and not entry.on_hold
    discharge(caseloads, placed[0], clock)
    placed_now = caseloads.assign_from_waiting_list({first.case_id: first}, now=clock.now())
    assert [c for c, _ in placed_now] == [first]
    assert caseloads.end_hold(first, decided_at=clock.now(), decided_by="MDT chair") is False


def test_an_active_case_on_hold_keeps_its_case_manager(caseloads, referral, case_ids, clock):
    case, _ = caseloads.assign(referral(), case_id=case_ids(), now=clock.now())
    manager = case.case_manager_id
    assert hold(caseloads, case, clock) is True
    assert case.status is CaseStatus.ACTIVE and case.case_manager_id == manager
    assert caseloads.ledger.load_of(manager or "").cases == 1
