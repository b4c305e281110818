"""A case following its referral: flags for closure, withdrawal, holds and corrected need levels."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from caseload.domain.attention import Attention
from caseload.domain.caseloads import Caseloads
from caseload.domain.episodes import Inclusion
from caseload.domain.errors import CaseClosed
from caseload.domain.events import CaseTransferred, CaseWithdrawn
from caseload.domain.vocabulary import AssignmentKind, AttentionAction, CaseStatus, NeedLevel

from .conftest import START


def closure(cause: str = "decision-reversed:v2") -> Attention:
    return Attention(
        action=AttentionAction.CLOSE_WITH_HANDOVER,
        reason="inclusion withdrawn",
        raised_by="MDT chair",
        raised_at=START,
        cause=cause,
    )


def test_a_withdrawn_inclusion_is_flagged_once_per_cause(caseloads: Caseloads, referral):
    case, _ = caseloads.assign(referral(), case_id="c1", now=START)
    assert case.flag(closure()) is True
    assert case.flag(closure()) is False  # redelivered
    assert case.status is CaseStatus.ACTIVE and case.attention is not None
    assert [h.action for h in case.history].count("flagged:close-with-handover") == 1


def test_withdrawing_releases_capacity_and_is_not_a_discharge(caseloads: Caseloads, referral):
    case, _ = caseloads.assign(referral(), case_id="c1", now=START)
    manager = case.case_manager_id
    assert manager is not None and caseloads.ledger.load_of(manager).cases == 1
    case.pull_events()
    caseloads.withdraw(case, reason="entered in error", by="clerk", now=START)
    assert case.status is CaseStatus.WITHDRAWN and case.is_closed
    assert caseloads.ledger.load_of(manager).cases == 0
    assert caseloads.ledger.open_case_for(case.patient_key) is None
    (event,) = case.pull_events()
    assert isinstance(event, CaseWithdrawn) and event.released_case_manager_id == manager
    with pytest.raises(CaseClosed):
        case.flag(closure())


def test_a_waiting_place_goes_when_its_case_is_withdrawn(caseloads: Caseloads, referral):
    for n in range(3):  # n-nurse-a, n-nurse-b and n-matron hold 6 points each: fill them
        for m in range(3):
            caseloads.assign(referral(), case_id=f"fill-{n}-{m}", now=START)
    case, _ = caseloads.assign(referral(), case_id="waits", now=START)
    assert case.status is CaseStatus.WAITING and caseloads.waiting.get("waits") is not None
    caseloads.withdraw(case, reason="inclusion withdrawn", by="MDT chair", now=START)
    assert caseloads.waiting.get("waits") is None
    assert next(e for e in case.pull_events() if isinstance(e, CaseWithdrawn)).was_waiting


def test_a_corrected_need_level_moves_the_case_and_explains_why(caseloads: Caseloads, referral):
    case, _ = caseloads.assign(referral(need_level=NeedLevel.MODERATE), case_id="c1", now=START)
    assert case.assignment_kind is AssignmentKind.INTEGRATED_TEAM
    case.pull_events()
    caseloads.correct_need_level(case, NeedLevel.SEVERE, decided_by="MDT", now=START)
    assert case.assignment_kind is AssignmentKind.CASE_MANAGER
    (moved,) = case.pull_events()
    assert isinstance(moved, CaseTransferred)
    assert moved.from_owner == "team:ict-north" and "corrected to severe" in moved.reason
    manager = case.case_manager_id
    assert manager is not None and caseloads.ledger.load_of(manager).cases == 1
    caseloads.correct_need_level(case, NeedLevel.MILD, decided_by="MDT", now=START)
    assert case.assignment_kind is AssignmentKind.SELF_CARE
    assert caseloads.ledger.load_of(manager).cases == 0


def test_a_correction_to_severe_with_nobody_free_stays_and_asks_for_a_person(
    caseloads: Caseloads, referral
):
    case, _ = caseloads.assign(referral(need_level=NeedLevel.MODERATE), case_id="c1", now=START)
    for n in range(9):
        caseloads.assign(referral(), case_id=f"fill-{n}", now=START)
    caseloads.correct_need_level(case, NeedLevel.SEVERE, decided_by="MDT", now=START)
    assert case.assignment_kind is AssignmentKind.INTEGRATED_TEAM  # not dropped
    assert case.attention is not None
    assert case.attention.action is AttentionAction.ASSIGN_CASE_MANAGER


def test_an_inclusion_after_the_withdrawal_keeps_the_case_an_older_one_does_not(
    caseloads: Caseloads, referral
):
    case, _ = caseloads.assign(referral(), case_id="c1", now=START)
    case.flag(closure())  # no versions on either side: the decision time tells them apart
    older = Inclusion(decided_at=START - timedelta(days=1))
    assert case.confirm_inclusion(older, decided_by="x") is False
    assert case.attention is not None
    assert case.confirm_inclusion(
        Inclusion(decided_at=START + timedelta(hours=1)), decided_by="MDT"
    )
    assert case.attention is None and case.status is CaseStatus.ACTIVE


def test_a_re_inclusion_dated_before_the_withdrawal_keeps_the_case_by_its_higher_version(
    caseloads: Caseloads, referral
):
    first = replace(referral(), decided_at=START - timedelta(days=3), decision_version=1)
    case, _ = caseloads.assign(first, case_id="c1", now=START)
    case.flag(replace(closure("decision-reversed:v1"), withdrawn_version=1))
    replayed = Inclusion(decided_at=START - timedelta(days=3), version=1)
    assert case.confirm_inclusion(replayed, decided_by="MDT") is False
    assert case.attention is not None
    backdated = Inclusion(decided_at=START - timedelta(days=5), version=3)
    assert case.confirm_inclusion(backdated, decided_by="MDT")
    assert case.attention is None and case.standing_inclusion == backdated
    assert case.history[-1].action == "re-included"


def test_a_replayed_reversal_of_an_inclusion_since_superseded_is_stale(
    caseloads: Caseloads, referral
):
    case, _ = caseloads.assign(replace(referral(), decision_version=3), case_id="c1", now=START)
    assert case.withdrawal_is_stale(1)  # reversed inclusion v1; v3 stands now
    assert not case.withdrawal_is_stale(3)
    assert not case.withdrawal_is_stale(None)  # a revoked referral names no decision
    legacy, _ = caseloads.assign(referral(), case_id="c2", now=START)
    assert not legacy.withdrawal_is_stale(1)  # stored without a version: cannot tell


def test_a_hold_shows_once(caseloads: Caseloads, referral):
    case, _ = caseloads.assign(referral(), case_id="c1", now=START)
    assert case.note_referral_status("on-hold", reason="patient in hospital", by="c", at=START)
    assert not case.note_referral_status("on-hold", reason="again", by="c", at=START)
    assert case.referral_status == "on-hold" and case.status is CaseStatus.ACTIVE
