"""Review schedule: Bromley frequencies by tier, due detection once per due date, early reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from caseload.domain.caseloads import Caseloads
from caseload.domain.errors import InvalidReviewInterval
from caseload.domain.events import ReviewDue
from caseload.domain.mdt_review import MdtReview
from caseload.domain.review_schedule import (
    EARLY_REVIEW_WITHIN_DAYS,
    HIGHEST_REVIEW_FLOOR_DAYS,
    announce_due_reviews,
    next_review_due,
    review_day,
    review_interval_days,
    reviews_due,
)
from caseload.domain.vocabulary import NeedLevel, ReviewOutcome, Tier
from cch_contracts.clock import FakeClock

LAST = date(2024, 4, 1)


@pytest.mark.parametrize(
    ("tier", "days"),
    [(Tier.HIGHEST, 14), (Tier.HIGH, 28), (Tier.MEDIUM, 91), (Tier.LOW, 365), (None, 28)],
)
def test_review_frequency_follows_the_bromley_tier_table(tier, days):
    assert next_review_due(tier, last_review_on=LAST) == LAST + timedelta(days=days)


def test_high_tier_may_be_agreed_up_to_six_weekly_but_no_longer():
    assert review_interval_days(Tier.HIGH, 42) == 42
    with pytest.raises(InvalidReviewInterval) as err:
        review_interval_days(Tier.HIGH, 43)
    assert err.value.code == "invalid-review-interval"


def test_highest_tier_is_reviewed_as_required_but_at_least_fortnightly():
    assert review_interval_days(Tier.HIGHEST, 3) == 3
    with pytest.raises(InvalidReviewInterval):
        review_interval_days(Tier.HIGHEST, HIGHEST_REVIEW_FLOOR_DAYS + 1)


def test_mdt_may_review_more_often_than_the_tier_default():
    assert next_review_due(Tier.LOW, last_review_on=LAST, agreed_days=30) == date(2024, 5, 1)
    with pytest.raises(InvalidReviewInterval):
        review_interval_days(Tier.MEDIUM, 0)


def test_review_day_is_the_utc_calendar_day():
    late_bst = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)
    assert review_day(late_bst) == date(2024, 6, 30)


def assigned(caseloads: Caseloads, referral, case_ids, clock, **kwargs):
    case, _ = caseloads.assign(referral(**kwargs), case_id=case_ids(), now=clock.now())
    case.pull_events()
    return case


def test_first_review_counts_from_assignment(caseloads, referral, case_ids, clock):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    assert case.next_review_on == review_day(clock.now()) + timedelta(days=28)


def test_review_due_is_announced_once_per_due_review(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    assert announce_due_reviews([case], clock.now()) == []
    clock.advance(timedelta(days=28))
    [event] = announce_due_reviews([case], clock.now())
    assert isinstance(event, ReviewDue) and event.due_on == case.next_review_on
    assert event.case_manager_id == case.case_manager_id and not event.early
    clock.advance(timedelta(days=3))
    assert announce_due_reviews([case], clock.now()) == []
    assert case.pull_events() == [event]


def test_next_review_is_announced_again_after_the_mdt_reviews(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    clock.advance(timedelta(days=30))
    announce_due_reviews([case], clock.now())
    caseloads.record_review(
        case, MdtReview(outcome=ReviewOutcome.CONTINUE, decided_by="mdt", reviewed_at=clock.now())
    )
    assert case.next_review_on == review_day(clock.now()) + timedelta(days=28)
    assert announce_due_reviews([case], clock.now()) == []
    clock.advance(timedelta(days=28))
    assert len(announce_due_reviews([case], clock.now())) == 1


def test_reviews_due_lists_only_active_cases_most_overdue_first(
    caseloads, referral, case_ids, clock: FakeClock
):
    low = assigned(
        caseloads, referral, case_ids, clock, tier=Tier.MEDIUM, need_level=NeedLevel.MILD
    )
    clock.advance(timedelta(days=10))
    high = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    assert reviews_due([low, high], clock.now()) == []
    clock.advance(timedelta(days=100))
    assert reviews_due([high, low], clock.now()) == [high, low]


def test_tier_change_recomputes_next_review_from_the_last_review(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.LOW, need_level=NeedLevel.MILD)
    start = review_day(clock.now())
    clock.advance(timedelta(days=100))
    caseloads.change_tier(case, Tier.MEDIUM, now=clock.now())
    assert case.next_review_on == start + timedelta(days=91)
    [event] = announce_due_reviews([case], clock.now())
    assert event.due_on == start + timedelta(days=91)


def test_rise_to_highest_asks_for_an_early_review_at_once(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    clock.advance(timedelta(days=3))
    caseloads.change_tier(case, Tier.HIGHEST, now=clock.now())
    due = review_day(clock.now()) + timedelta(days=EARLY_REVIEW_WITHIN_DAYS)
    assert case.early_review and case.next_review_on == due
    [event] = case.pull_events()
    assert isinstance(event, ReviewDue) and event.early and event.due_on == due
    clock.advance(timedelta(days=2))
    assert announce_due_reviews([case], clock.now()) == []


def test_rise_to_highest_keeps_a_sooner_scheduled_review(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    clock.advance(timedelta(days=13))
    caseloads.change_tier(case, Tier.HIGHEST, now=clock.now())
    assert case.next_review_on == review_day(clock.now()) + timedelta(days=1)


def test_rise_to_highest_long_after_the_last_review_is_due_today_not_overdue(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    clock.advance(timedelta(days=27))
    caseloads.change_tier(case, Tier.HIGHEST, now=clock.now())
    assert case.next_review_on == review_day(clock.now())


def test_agreed_interval_too_long_for_a_new_tier_falls_back_to_its_default(
    caseloads, referral, case_ids, clock: FakeClock
):
    case = assigned(caseloads, referral, case_ids, clock, tier=Tier.HIGH)
    caseloads.record_review(
        case,
        MdtReview(
            outcome=ReviewOutcome.CONTINUE,
            decided_by="mdt",
            reviewed_at=clock.now(),
            next_review_in_days=42,
        ),
    )
    assert case.next_review_on == review_day(clock.now()) + timedelta(days=42)
    caseloads.change_tier(case, Tier.HIGHEST, now=clock.now())
    case.record_review(
        MdtReview(outcome=ReviewOutcome.CONTINUE, decided_by="mdt", reviewed_at=clock.now())
    )
    assert case.review_interval_days is None
    assert case.next_review_on == review_day(clock.now()) + timedelta(days=14)
