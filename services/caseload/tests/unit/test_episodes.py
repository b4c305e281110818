"""Re-inclusion through the same referral after its case closed: a new episode, the closed case
kept as history; a redelivered or older decision opens nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from caseload.domain.assignment import DecisionKind
from caseload.domain.caseloads import Caseloads
from caseload.domain.episodes import Episode, next_episode
from caseload.domain.events import CaseAssigned
from caseload.domain.mdt_review import MdtReview
from caseload.domain.vocabulary import CaseStatus, DischargeReason, ReviewOutcome

from .conftest import START

DECIDED = START - timedelta(hours=2)


def episode(n: int = 1, *, status: CaseStatus = CaseStatus.DISCHARGED, **kw) -> Episode:
    values = {
        "case_id": f"case-{n}",
        "episode": n,
        "status": status,
        "opened_at": START,
        "included_at": DECIDED,
        "closed_at": START + timedelta(days=30) if status != CaseStatus.ACTIVE else None,
    }
    return Episode(**(values | kw))


def test_a_referral_without_a_case_opens_its_first_episode():
    start = next_episode([], decided_at=DECIDED)
    assert start is not None and start.episode == 1 and start.follows is None


def test_a_later_inclusion_after_the_case_closed_opens_the_next_episode():
    closed = episode(1)
    start = next_episode([closed], decided_at=START + timedelta(days=60))
    assert start is not None and start.episode == 2 and start.follows == closed
    assert "after case case-1 (discharged on 2024-05-01)" in start.summary


def test_the_decision_a_closed_case_answered_opens_nothing_again():
    assert next_episode([episode(1)], decided_at=DECIDED) is None  # redelivered
    assert next_episode([episode(1)], decided_at=DECIDED - timedelta(days=1)) is None  # older


def test_a_decision_answered_by_any_earlier_episode_opens_nothing():
    later = DECIDED + timedelta(days=90)
    episodes = [episode(2, included_at=later), episode(1)]
    assert next_episode(episodes, decided_at=later) is None
    start = next_episode(episodes, decided_at=later + timedelta(days=1))
    assert start is not None and start.episode == 3 and start.follows == episodes[0]


def test_an_open_episode_follows_the_decision_itself():
    assert next_episode([episode(1, status=CaseStatus.ACTIVE)], decided_at=START) is None


def test_a_case_stored_without_its_inclusion_time_answers_what_came_before_it_opened():
    legacy = episode(1, included_at=None)
    assert next_episode([legacy], decided_at=START - timedelta(minutes=1)) is None
    assert next_episode([legacy], decided_at=START + timedelta(days=40)) is not None


def test_a_decision_without_a_time_opens_nothing_once_the_referral_has_a_case():
    assert next_episode([episode(1)], decided_at=None) is None


def test_a_backdated_re_inclusion_after_discharge_opens_the_next_episode_by_its_version():
    closed = episode(1, included_version=1)
    # the MDT dates the new inclusion (v3, after its reversal v2) before the first one
    start = next_episode([closed], decided_at=DECIDED - timedelta(days=1), decision_version=3)
    assert start is not None and start.episode == 2 and start.follows == closed


def test_a_replayed_inclusion_with_the_same_version_opens_nothing_whatever_its_time():
    closed = episode(1, included_version=3)
    later = DECIDED + timedelta(days=1)
    assert next_episode([closed], decided_at=DECIDED, decision_version=3) is None
    assert next_episode([closed], decided_at=later, decision_version=3) is None
    assert next_episode([closed], decided_at=later, decision_version=1) is None  # older


def test_the_highest_version_any_episode_answered_stands_for_every_earlier_one():
    episodes = [episode(2, included_at=DECIDED, included_version=5), episode(1, included_at=None)]
    assert next_episode(episodes, decided_at=START + timedelta(days=90), decision_version=5) is None
    start = next_episode(episodes, decided_at=DECIDED - timedelta(days=9), decision_version=7)
    assert start is not None and start.episode == 3


def test_an_acceptance_without_a_version_is_told_apart_by_its_decision_time():
    closed = episode(1, included_version=1)  # stored from a versioned event
    assert next_episode([closed], decided_at=DECIDED) is None
    start = next_episode([closed], decided_at=DECIDED + timedelta(days=40))
    assert start is not None and start.episode == 2


def test_a_versioned_acceptance_falls_back_to_time_against_cases_stored_without_one():
    legacy = episode(1)  # opened from an event sent before referrals named the version
    assert next_episode([legacy], decided_at=DECIDED, decision_version=1) is None
    start = next_episode([legacy], decided_at=DECIDED + timedelta(days=40), decision_version=3)
    assert start is not None and start.episode == 2


def test_a_patient_included_again_after_discharge_gets_a_new_case_with_a_case_manager(
    caseloads: Caseloads, referral, clock
):
    first_referral = replace(referral(), decided_at=DECIDED)
    first, _ = caseloads.assign(first_referral, case_id="case-1", now=clock.now())
    manager = first.case_manager_id
    assert manager is not None
    clock.advance(timedelta(days=30))
    caseloads.record_review(
        first,
        MdtReview(
            outcome=ReviewOutcome.DISCHARGE,
            decided_by="mdt",
            reviewed_at=clock.now(),
            discharge_reason=DischargeReason.PATIENT_CHOICE,
        ),
    )
    assert caseloads.ledger.load_of(manager).cases == 0
    clock.advance(timedelta(days=30))
    again = replace(first_referral, decided_at=clock.now())
    past = Episode(
        case_id=first.case_id,
        episode=first.episode,
        status=first.status,
        opened_at=first.opened_at,
        included_at=first.included_at,
        closed_at=first.closed_at,
    )
    start = next_episode([past], decided_at=again.decided_at)
    assert start is not None
    second, decision = caseloads.assign(again, case_id="case-2", now=clock.now(), start=start)

    assert decision.kind is DecisionKind.CASE_MANAGER and second.case_manager_id is not None
    assert second.status is CaseStatus.ACTIVE and second.episode == 2
    assert second.follows_case_id == "case-1" and second.referral_id == first.referral_id
    assert "included again: episode 2, after case case-1 (discharged" in second.history[0].detail
    assert first.status is CaseStatus.DISCHARGED  # the closed case stays as it was
    assert caseloads.ledger.open_case_for(second.patient_key) == "case-2"
    assigned = [e for e in second.pull_events() if isinstance(e, CaseAssigned)]
    assert len(assigned) == 1 and assigned[0].case_id == "case-2"
