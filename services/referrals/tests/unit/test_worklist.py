"""The MDT worklist: urgent first, then the predictive cohort by tier, then oldest."""

from __future__ import annotations

from datetime import timedelta

from referrals.domain.clock import FakeClock
from referrals.domain.vocabulary import Locality, Priority, ReferralRoute, Tier
from referrals.domain.worklist import worklist

from .conftest import MakeReferral, patient


def test_urgent_first_then_tier_then_oldest(referral_for: MakeReferral, clock: FakeClock) -> None:
    old_direct = referral_for(who=patient(1))
    clock.advance(timedelta(hours=1))
    high = referral_for(who=patient(2), route=ReferralRoute.PREDICTIVE, tier=Tier.HIGH)
    clock.advance(timedelta(hours=1))
    highest = referral_for(who=patient(3), route=ReferralRoute.PREDICTIVE, tier=Tier.HIGHEST)
    clock.advance(timedelta(hours=1))
    urgent = referral_for(who=patient(4), priority=Priority.URGENT)
    clock.advance(timedelta(hours=1))
    new_direct = referral_for(who=patient(5))
    listed = worklist([new_direct, old_direct, high, urgent, highest])
    assert listed == [urgent, highest, high, old_direct, new_direct]


def test_worklist_is_per_practice_cluster_and_only_active(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    ours = referral_for(who=patient(1), practice_code="M82001")
    cluster = referral_for(who=patient(2), practice_code="M82002")
    elsewhere = referral_for(who=patient(3), practice_code="B12345")
    on_hold = referral_for(who=patient(4), practice_code="M82001")
    on_hold.put_on_hold("awaiting bloods", at=clock.now())
    withdrawn = referral_for(who=patient(5), practice_code="M82001")
    withdrawn.revoke("withdrawn", at=clock.now())
    listed = worklist(
        [ours, cluster, elsewhere, on_hold, withdrawn], practice_codes=["m82001", "M82002"]
    )
    assert listed == [ours, cluster]
    assert elsewhere not in worklist([elsewhere], locality=Locality.SOUTH)
