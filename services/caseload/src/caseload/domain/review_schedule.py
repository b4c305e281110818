"""MDT review frequency by tier (Bromley table) and which reviews fall due when.

Frequencies (Bromley "Frequency of review"):
- Highest: "as required", with a floor: at least every 14 days (``HIGHEST_REVIEW_FLOOR_DAYS``);
- High: "monthly to six-weekly": default 28 days, the MDT may agree up to 42;
- Medium: quarterly, 91 days;
- Low: annually, 365 days;
- not yet scored by stratification: as High (28 days) until a tier arrives.
The MDT may agree a shorter interval for any tier (acuity decides), never a longer one.
The first review counts from assignment; each later one from the last review.
A rise to Highest asks for an early review: due within ``EARLY_REVIEW_WITHIN_DAYS`` (2) of the
change (today if the Highest frequency says it is already due), announced at once
(``ReviewDue.early``) rather than waiting for the date to pass. Any other tier change recomputes
the next date from the last review, which may already have passed (then it is due now).
Dates are UTC calendar dates of the injected clock's instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, TypeVar

from caseload.domain.errors import InvalidReviewInterval
from caseload.domain.events import ReviewDue
from caseload.domain.vocabulary import CaseStatus, Tier

HIGHEST_REVIEW_FLOOR_DAYS = 14
HIGH_REVIEW_DEFAULT_DAYS = 28
HIGH_REVIEW_MAX_DAYS = 42
MEDIUM_REVIEW_DAYS = 91
LOW_REVIEW_DAYS = 365
UNSCORED_REVIEW_DAYS = HIGH_REVIEW_DEFAULT_DAYS
EARLY_REVIEW_WITHIN_DAYS = 2


@dataclass(frozen=True, slots=True)
class ReviewFrequency:
    """Default and longest allowed review interval of a tier, in days."""

    default_days: int
    max_days: int
    label: str


REVIEW_FREQUENCY: dict[Tier | None, ReviewFrequency] = {
    Tier.HIGHEST: ReviewFrequency(
        HIGHEST_REVIEW_FLOOR_DAYS, HIGHEST_REVIEW_FLOOR_DAYS, "as required (at least every 14 days)"
    ),
    Tier.HIGH: ReviewFrequency(
        HIGH_REVIEW_DEFAULT_DAYS, HIGH_REVIEW_MAX_DAYS, "monthly to six-weekly"
    ),
    Tier.MEDIUM: ReviewFrequency(MEDIUM_REVIEW_DAYS, MEDIUM_REVIEW_DAYS, "quarterly"),
    Tier.LOW: ReviewFrequency(LOW_REVIEW_DAYS, LOW_REVIEW_DAYS, "annually"),
    None: ReviewFrequency(UNSCORED_REVIEW_DAYS, HIGH_REVIEW_MAX_DAYS, "as High until scored"),
}


def review_day(instant: datetime) -> date:
    """Calendar day (UTC) an instant falls on, the unit reviews are scheduled in."""
    return instant.astimezone(UTC).date()


def review_interval_days(tier: Tier | None, agreed_days: int | None = None) -> int:
    """Days between reviews: the MDT-agreed interval if valid for the tier, else the default."""
    frequency = REVIEW_FREQUENCY[tier]
    if agreed_days is None:
        return frequency.default_days
    if agreed_days < 1 or agreed_days > frequency.max_days:
        tier_name = tier.value if tier else "unscored"
        raise InvalidReviewInterval(
            f"{tier_name} tier reviews are {frequency.label}: "
            f"an interval of {agreed_days} days must be 1-{frequency.max_days}"
        )
    return agreed_days


def next_review_due(
    tier: Tier | None, *, last_review_on: date, agreed_days: int | None = None
) -> date:
    """When the next MDT review falls due after the last one (or after assignment)."""
    return last_review_on + timedelta(days=review_interval_days(tier, agreed_days))


def early_review_due(now: datetime, scheduled: date | None) -> date:
    """Early review after a rise to Highest: within two days, today if already due by then."""
    today = review_day(now)
    early = today + timedelta(days=EARLY_REVIEW_WITHIN_DAYS)
    return early if scheduled is None else max(today, min(early, scheduled))


class Reviewable(Protocol):
    """The parts of a case the schedule reads."""

    @property
    def status(self) -> CaseStatus: ...
    @property
    def next_review_on(self) -> date | None: ...
    @property
    def review_due_notified_on(self) -> date | None: ...


C = TypeVar("C", bound=Reviewable)


def is_review_due(case: Reviewable, now: datetime) -> bool:
    """An active case whose review date is today or past."""
    due = case.next_review_on
    return case.status is CaseStatus.ACTIVE and due is not None and due <= review_day(now)


def is_review_overdue(case: Reviewable, now: datetime) -> bool:
    """An active case whose review date has passed without a review."""
    due = case.next_review_on
    return case.status is CaseStatus.ACTIVE and due is not None and due < review_day(now)


def reviews_due(cases: Iterable[C], now: datetime) -> list[C]:
    """Cases with a review due today or earlier, most overdue first."""
    due = [c for c in cases if is_review_due(c, now)]
    due.sort(key=lambda c: c.next_review_on or date.max)
    return due


def newly_due(cases: Iterable[C], now: datetime) -> list[C]:
    """Due cases not yet announced for their current due date (so review.due fires once)."""
    return [c for c in reviews_due(cases, now) if c.review_due_notified_on != c.next_review_on]


class AnnouncesReviews(Reviewable, Protocol):
    """A case that can record that its due review was announced."""

    def note_review_due(self, now: datetime) -> ReviewDue | None: ...


A = TypeVar("A", bound=AnnouncesReviews)


def announce_due_reviews(cases: Iterable[A], now: datetime) -> list[ReviewDue]:
    """ReviewDue events for reviews that have newly fallen due (each due date once)."""
    events = []
    for case in newly_due(cases, now):
        event = case.note_review_due(now)
        if event is not None:
            events.append(event)
    return events
