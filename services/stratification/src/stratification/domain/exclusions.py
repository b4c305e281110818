"""MDT exclusion notes: an excluded patient stays off the predictive report until the next review.

Seed (Shropshire, Appendix B): "Where a patient is excluded, a note can be added to the data
system to advise of the next planned review. This prevents unnecessary repeat reviews of the
same patient every month."

Inclusive rule: a note holds from `excluded_on` up to the day before `next_review_on`; on
`next_review_on` itself the patient is back on the report, so the MDT sees them at the meeting
planned for that review. Where the MDT names no review date, the review falls
`DEFAULT_EXCLUSION_REVIEW_MONTHS` later: long enough to stop the monthly repeat the seed warns
about, short enough that a deteriorating patient is looked at again within two quarterly reviews.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from stratification.domain.errors import InvalidExclusionNote

DEFAULT_EXCLUSION_REVIEW_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """Same day, months later, clamped to the month's end (31 Aug + 6 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ExclusionNote:
    """The MDT decided not to case manage this patient for now, and when to look again."""

    patient_id: str
    excluded_on: date
    next_review_on: date
    reason: str

    def __post_init__(self) -> None:
        if not self.patient_id:
            raise InvalidExclusionNote("an exclusion note must name a patient")
        if self.next_review_on <= self.excluded_on:
            raise InvalidExclusionNote("the next review must fall after the day of exclusion")

    @classmethod
    def record(
        cls,
        patient_id: str,
        *,
        excluded_on: date,
        reason: str,
        next_review_on: date | None = None,
    ) -> ExclusionNote:
        """A note as the MDT makes it; without a review date, the default months later."""
        review = next_review_on or add_months(excluded_on, DEFAULT_EXCLUSION_REVIEW_MONTHS)
        return cls(patient_id, excluded_on, review, reason)

    def holds_on(self, day: date) -> bool:
        """True while the patient stays off the report (review day itself: back on)."""
        return self.excluded_on <= day < self.next_review_on

    def review_due_on(self, day: date) -> bool:
        """The planned review has come: the patient is back for the MDT to decide again."""
        return day >= self.next_review_on


def latest_notes(notes: Iterable[ExclusionNote], on: date) -> dict[str, ExclusionNote]:
    """Each patient's governing note on a day: the most recent MDT decision made by then."""
    latest: dict[str, ExclusionNote] = {}
    for note in notes:
        if note.excluded_on > on:
            continue
        held = latest.get(note.patient_id)
        if held is None or (note.excluded_on, note.next_review_on) > (
            held.excluded_on,
            held.next_review_on,
        ):
            latest[note.patient_id] = note
    return latest


def excluded_on(notes: Mapping[str, ExclusionNote], day: date) -> frozenset[str]:
    """Patients kept off the report that day."""
    return frozenset(pid for pid, note in notes.items() if note.holds_on(day))
