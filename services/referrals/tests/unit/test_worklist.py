"""The MDT worklist: urgent first, then the predictive cohort by tier, then oldest; or by when
the referrer wants the patient seen, and only those due by a day."""

from __future__ import annotations

from datetime import date, timedelta

from referrals.domain.clock import FakeClock
from referrals.domain.occurrence import SeenWhen, WhenToSee
from referrals.domain.vocabulary import Locality, Priority, ReferralRoute, Tier
from referrals.domain.worklist import WorklistOrder, due_at, worklist

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


def see(at: str | None = None, *, start: str | None = None, end: str | None = None) -> WhenToSee:
    return WhenToSee(
        at=SeenWhen(at) if at else None,
        start=SeenWhen(start) if start else None,
        end=SeenWhen(end) if end else None,
    )


def test_by_when_to_see_urgent_first_then_soonest_due_then_undated(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    undated_highest = referral_for(
        who=patient(1), route=ReferralRoute.PREDICTIVE, tier=Tier.HIGHEST
    )
    clock.advance(timedelta(hours=1))
    by_mid_may = referral_for(who=patient(2), when_to_see=see(start="2024-05-01", end="2024-05-15"))
    on_2_may = referral_for(who=patient(3), when_to_see=see("2024-05-02T10:00:00+01:00"))
    from_20_april = referral_for(who=patient(4), when_to_see=see(start="2024-04-20"))
    undated_direct = referral_for(who=patient(5))
    urgent_undated = referral_for(who=patient(6), priority=Priority.URGENT)
    everyone = [
        undated_direct,
        by_mid_may,
        urgent_undated,
        on_2_may,
        undated_highest,
        from_20_april,
    ]

    listed = worklist(everyone, order=WorklistOrder.WHEN_TO_SEE)

    assert listed == [
        urgent_undated,
        from_20_april,
        on_2_may,
        by_mid_may,
        undated_highest,
        undated_direct,
    ]
    assert worklist(everyone) == [
        urgent_undated,
        undated_highest,
        by_mid_may,
        on_2_may,
        from_20_april,
        undated_direct,
    ], "the default order is unchanged by dates"


def test_a_referral_is_due_at_its_window_s_end_or_else_its_start(
    referral_for: MakeReferral,
) -> None:
    window = referral_for(who=patient(1), when_to_see=see(start="2024-05-01", end="2024-05-15"))
    due = due_at(window)
    assert due is not None and due.date() == date(2024, 5, 15) and due.hour == 23
    opened = referral_for(who=patient(2), when_to_see=see(start="2024-05-01"))
    assert due_at(opened) == SeenWhen("2024-05-01").earliest
    assert due_at(referral_for(who=patient(3))) is None


def test_due_by_keeps_only_referrals_due_by_the_end_of_that_day(
    referral_for: MakeReferral,
) -> None:
    ends_15_may = referral_for(
        who=patient(1), when_to_see=see(start="2024-05-01", end="2024-05-15")
    )
    late_on_14_may = referral_for(who=patient(2), when_to_see=see("2024-05-14T23:30:00+00:00"))
    from_10_may = referral_for(who=patient(3), when_to_see=see(start="2024-05-10"))
    undated = referral_for(who=patient(4))
    everyone = [ends_15_may, late_on_14_may, from_10_may, undated]

    assert worklist(everyone, due_by=date(2024, 5, 14)) == [late_on_14_may, from_10_may]
    assert worklist(everyone, due_by=date(2024, 5, 15)) == [
        ends_15_may,
        late_on_14_may,
        from_10_may,
    ]
    assert worklist(everyone, due_by=date(2024, 5, 9)) == []
    assert worklist(everyone, due_by=date(2024, 5, 15), order=WorklistOrder.WHEN_TO_SEE) == [
        from_10_may,
        late_on_14_may,
        ends_15_may,
    ]
