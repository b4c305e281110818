"""referral.accepted.v1 names the triage decision it records, so caseload can tell a re-inclusion
from a replay even when the MDT backdates it before the inclusion it follows."""

from __future__ import annotations

from datetime import timedelta

from cch_contracts.events import referrals as contract
from referrals.domain.clock import FakeClock
from referrals.domain.eligibility import AGE_65_PLUS, CONSENT, LTC_1_PLUS, RISK_TIER_HIGH
from referrals.domain.references import practitioner
from referrals.domain.triage import include, reverse
from referrals.domain.vocabulary import NeedLevel
from referrals.service_layer.publishing import pending_payloads

from .conftest import MakeReferral

GP = practitioner("dr-gp")
MATRON = practitioner("matron-1")
CRITERIA = [AGE_65_PLUS, LTC_1_PLUS, RISK_TIER_HIGH, CONSENT]


def test_an_accepted_referral_event_carries_the_version_of_the_inclusion(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.pull_events()
    clock.advance(timedelta(days=2))
    decision = include(
        referral,
        need_level=NeedLevel.SEVERE,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    [accepted] = pending_payloads(referral)
    assert isinstance(accepted, contract.ReferralAccepted)
    assert accepted.decision_version == decision.version == 1
    assert accepted.decided_at == clock.now()


def test_a_backdated_re_inclusion_after_a_reversal_carries_a_higher_version(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    received_at = clock.now()
    referral.pull_events()
    clock.advance(timedelta(days=3))
    include(
        referral,
        need_level=NeedLevel.SEVERE,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
    )
    [first] = pending_payloads(referral)
    clock.advance(timedelta(days=40))
    reverse(referral, reason="Deteriorated after discharge", reversed_by=MATRON, clock=clock)
    # the MDT dates its new inclusion to a meeting held before the first inclusion was recorded
    include(
        referral,
        need_level=NeedLevel.MODERATE,
        eligibility_criteria=CRITERIA,
        decided_by=GP,
        clock=clock,
        decided_at=received_at + timedelta(hours=1),
    )
    reversed_, again = pending_payloads(referral)

    assert isinstance(first, contract.ReferralAccepted)
    assert isinstance(reversed_, contract.ReferralDecisionReversed)
    assert isinstance(again, contract.ReferralAccepted)
    assert again.decided_at < first.decided_at
    assert first.decision_version == reversed_.reversed_version == 1
    assert again.decision_version == 3
    assert again.decision_version > reversed_.reversed_version
    assert reversed_.new_decision is contract.TriageOutcome.INCLUDE
