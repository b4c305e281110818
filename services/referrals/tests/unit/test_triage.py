"""MDT triage: include, exclude, reverse, and the audit trail each leaves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from referrals.domain.clock import FakeClock
from referrals.domain.decisions import DecisionKind, ExclusionReason
from referrals.domain.eligibility import AGE_65_PLUS, CONSENT, LTC_1_PLUS, RISK_TIER_HIGH
from referrals.domain.errors import (
    AnotherReferralOpen,
    InvalidTriageDecision,
    NoDecisionToReverse,
    ReferralClosed,
    UnknownEligibilityCriterion,
)
from referrals.domain.events import ReferralAccepted, ReferralExcluded, TriageReversed
from referrals.domain.references import organisation, practitioner
from referrals.domain.triage import exclude, include, reverse
from referrals.domain.vocabulary import (
    Locality,
    MostPressingNeed,
    NeedLevel,
    ReferralStatus,
    Tier,
)

from .conftest import START, MakeReferral

GP = practitioner("dr-gp")
MATRON = practitioner("matron-1")
CRITERIA = [AGE_65_PLUS, LTC_1_PLUS, RISK_TIER_HIGH, CONSENT]


def test_include_records_need_level_criteria_who_and_when(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for(tier=Tier.HIGH)
    referral.pull_events()
    clock.advance(timedelta(days=3))
    decision = include(
        referral,
        need_level=NeedLevel.SEVERE,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
        most_pressing_need=MostPressingNeed.SOCIAL,
    )
    assert decision.version == 1
    assert decision.kind is DecisionKind.INCLUDE
    assert decision.decided_by == GP
    assert decision.decided_at == clock.now()
    assert decision.eligibility_criteria == tuple(CRITERIA)
    assert referral.status is ReferralStatus.COMPLETED
    assert referral.version == 2
    (event,) = referral.pull_events()
    assert isinstance(event, ReferralAccepted)
    assert event.need_level is NeedLevel.SEVERE
    assert event.locality is Locality.NORTH
    assert event.tier is Tier.HIGH
    assert event.decided_by == "Practitioner/dr-gp"


def test_include_needs_consent(referral_for: MakeReferral, clock: FakeClock) -> None:
    with pytest.raises(InvalidTriageDecision, match="consent"):
        include(
            referral_for(),
            need_level=NeedLevel.MILD,
            eligibility_criteria=[AGE_65_PLUS],
            decided_by=GP,
            clock=clock,
        )


def test_include_needs_a_clinical_criterion_not_consent_alone(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    with pytest.raises(InvalidTriageDecision, match="at least 1"):
        include(
            referral_for(),
            need_level=NeedLevel.MILD,
            eligibility_criteria=[CONSENT],
            decided_by=GP,
            clock=clock,
        )


def test_unknown_eligibility_criterion_is_refused(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    with pytest.raises(UnknownEligibilityCriterion, match="likes-tea"):
        include(
            referral_for(),
            need_level=NeedLevel.MILD,
            eligibility_criteria=[CONSENT, "likes-tea"],
            decided_by=GP,
            clock=clock,
        )


def test_include_needs_a_locality_for_caseload(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for(locality=None)
    with pytest.raises(InvalidTriageDecision, match="locality"):
        include(
            referral,
            need_level=NeedLevel.MODERATE,
            eligibility_criteria=CRITERIA,
            decided_by=GP,
            clock=clock,
        )
    include(
        referral,
        need_level=NeedLevel.MODERATE,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
        locality=Locality.CENTRAL,
    )
    assert referral.locality is Locality.CENTRAL


def test_decisions_are_made_by_practitioners(referral_for: MakeReferral, clock: FakeClock) -> None:
    with pytest.raises(InvalidTriageDecision, match="practitioner"):
        include(
            referral_for(),
            need_level=NeedLevel.MILD,
            eligibility_criteria=CRITERIA,
            decided_by=organisation("ccg"),
            clock=clock,
        )


def test_decision_cannot_be_dated_in_the_future_or_before_receipt(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    for when in (START + timedelta(minutes=1), START - timedelta(days=1)):
        with pytest.raises(InvalidTriageDecision):
            include(
                referral,
                need_level=NeedLevel.MILD,
                eligibility_criteria=CRITERIA,
                decided_by=GP,
                clock=clock,
                decided_at=when,
            )


def test_meeting_time_can_be_recorded_after_the_meeting(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    meeting = clock.advance(timedelta(days=1))
    clock.advance(timedelta(hours=5))
    decision = include(
        referral,
        need_level=NeedLevel.MILD,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
        decided_at=meeting,
    )
    assert decision.decided_at == meeting
    assert decision.recorded_at == clock.now()


def test_exclude_defaults_next_review_to_six_months_and_returns_the_note(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.pull_events()
    result = exclude(
        referral,
        reason=ExclusionReason.DECLINED,
        reason_text="Prefers to stay with GP care",
        decided_by=MATRON,
        clock=clock,
    )
    assert result.decision.next_review_on == date(2024, 10, 1)
    assert result.note.next_review_on == date(2024, 10, 1)
    assert result.note.excluded_on == date(2024, 4, 1)
    assert result.note.patient_key == referral.patient.patient_key
    assert result.note.holds(date(2024, 9, 30))
    assert referral.status is ReferralStatus.REVOKED
    (event,) = referral.pull_events()
    assert isinstance(event, ReferralExcluded)
    assert event.reason == "declined: Prefers to stay with GP care"
    assert event.next_review_on == date(2024, 10, 1)


def test_exclusion_review_date_must_be_in_the_future(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    for review in (date(2024, 4, 1), date(2024, 3, 1), date(2025, 6, 1)):
        with pytest.raises(InvalidTriageDecision):
            exclude(
                referral_for(),
                reason=ExclusionReason.LOW_NEED,
                reason_text="",
                decided_by=GP,
                clock=clock,
                next_review_on=review,
            )


def test_other_exclusion_reason_needs_free_text(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    with pytest.raises(InvalidTriageDecision, match="why"):
        exclude(
            referral_for(),
            reason=ExclusionReason.OTHER,
            reason_text="  ",
            decided_by=GP,
            clock=clock,
        )


def test_decision_on_a_closed_referral_is_a_typed_error(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    include(
        referral,
        need_level=NeedLevel.MILD,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    with pytest.raises(ReferralClosed, match="reverse") as caught:
        exclude(
            referral, reason=ExclusionReason.LOW_NEED, reason_text="", decided_by=GP, clock=clock
        )
    assert caught.value.code == "referral-closed"
    withdrawn = referral_for()
    withdrawn.revoke("withdrawn", at=clock.now())
    with pytest.raises(ReferralClosed):
        include(
            withdrawn,
            need_level=NeedLevel.MILD,
            eligibility_criteria=CRITERIA,
            decided_by=GP,
            clock=clock,
        )


def test_reversal_reopens_and_keeps_the_whole_audit_trail(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    excluded = exclude(
        referral, reason=ExclusionReason.LOW_NEED, reason_text="", decided_by=GP, clock=clock
    )
    referral.pull_events()
    clock.advance(timedelta(days=7))
    reversal = reverse(
        referral, reason="New falls history from A&E", reversed_by=MATRON, clock=clock
    )
    assert reversal.version == 2
    assert reversal.kind is DecisionKind.REVERSAL
    assert reversal.reverses_version == 1
    assert referral.status is ReferralStatus.ACTIVE
    assert referral.standing_decision is None
    (event,) = referral.pull_events()
    assert isinstance(event, TriageReversed)
    assert event.reversed_kind is DecisionKind.EXCLUDE
    assert event.reason == "New falls history from A&E"
    lifted = excluded.note.lift(clock.now().date())
    assert not lifted.holds(clock.now().date())

    clock.advance(timedelta(days=1))
    include(
        referral,
        need_level=NeedLevel.SEVERE,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    assert [d.kind for d in referral.decisions] == [
        DecisionKind.EXCLUDE,
        DecisionKind.REVERSAL,
        DecisionKind.INCLUDE,
    ]
    assert [d.version for d in referral.decisions] == [1, 2, 3]
    assert referral.decisions[0].exclusion_reason is ExclusionReason.LOW_NEED
    assert referral.first_decided_at == START
    assert referral.status is ReferralStatus.COMPLETED


def test_reversal_needs_a_reason(referral_for: MakeReferral, clock: FakeClock) -> None:
    referral = referral_for()
    include(
        referral,
        need_level=NeedLevel.MILD,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    with pytest.raises(InvalidTriageDecision):
        reverse(referral, reason=" ", reversed_by=GP, clock=clock)
    assert referral.status is ReferralStatus.COMPLETED
    assert len(referral.decisions) == 1


def test_nothing_to_reverse_without_a_standing_decision(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    with pytest.raises(NoDecisionToReverse):
        reverse(referral, reason="oops", reversed_by=GP, clock=clock)
    include(
        referral,
        need_level=NeedLevel.MILD,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    reverse(referral, reason="wrong patient list", reversed_by=GP, clock=clock)
    with pytest.raises(NoDecisionToReverse):
        reverse(referral, reason="again", reversed_by=GP, clock=clock)


def test_entered_in_error_referral_cannot_be_reversed_back_to_life(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    include(
        referral,
        need_level=NeedLevel.MILD,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    referral.mark_entered_in_error("wrong patient", at=clock.now())
    with pytest.raises(ReferralClosed):
        reverse(referral, reason="undo", reversed_by=GP, clock=clock)


def test_reversal_refused_when_the_patient_already_has_another_open_referral(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    exclude(referral, reason=ExclusionReason.LOW_NEED, reason_text="", decided_by=GP, clock=clock)
    newer = referral_for()
    with pytest.raises(AnotherReferralOpen, match=newer.referral_id):
        reverse(
            referral,
            reason="reconsidered",
            reversed_by=GP,
            clock=clock,
            open_referrals=[referral, newer],
        )
