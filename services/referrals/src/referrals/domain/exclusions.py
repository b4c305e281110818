"""MDT exclusion notes: an excluded patient is not reviewed again until the planned date.

Seed (Shropshire, Appendix B): "Where a patient is excluded, a note can be added to the data
system to advise of the next planned review. This prevents unnecessary repeat reviews of the
same patient every month."

A note holds from `excluded_on` up to the day before `next_review_on`; on `next_review_on`
itself the patient is due again (the same rule stratification applies to the predictive report).
Without a date from the MDT the review falls `DEFAULT_EXCLUSION_REVIEW_MONTHS` later (six months:
long enough to stop the monthly repeat the seed warns about, short enough that a deteriorating
patient is looked at again within two quarterly reviews) and never more than
`MAX_EXCLUSION_REVIEW_MONTHS` later (even the Low tier is reviewed annually). A reversed
exclusion is lifted and stops holding that day.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from referrals.domain.errors import InvalidExclusionNote

DEFAULT_EXCLUSION_REVIEW_MONTHS = 6
MAX_EXCLUSION_REVIEW_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """Same day, months later, clamped to the month's end (31 Aug + 6 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_next_review(excluded_on: date) -> date:
    """The review date when the MDT names none."""
    return add_months(excluded_on, DEFAULT_EXCLUSION_REVIEW_MONTHS)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExclusionNote:
    """The MDT decided not to case manage this patient for now, and when to look again."""

    patient_key: str
    excluded_on: date
    next_review_on: date
    reason: str
    referral_id: str | None = None
    lifted_on: date | None = None

    def __post_init__(self) -> None:
        if not self.patient_key.strip():
            raise InvalidExclusionNote("an exclusion note must name a patient")
        if self.next_review_on <= self.excluded_on:
            raise InvalidExclusionNote("the next review must fall after the day of exclusion")
        if self.next_review_on > add_months(self.excluded_on, MAX_EXCLUSION_REVIEW_MONTHS):
            raise InvalidExclusionNote(
                f"the next review must fall within {MAX_EXCLUSION_REVIEW_MONTHS} months "
                "of the exclusion"
            )
        if self.lifted_on is not None and self.lifted_on < self.excluded_on:
            raise InvalidExclusionNote("a note cannot be lifted before it was made")

    @classmethod
    def record(
        cls,
        patient_key: str,
        *,
        excluded_on: date,
        reason: str,
        next_review_on: date | None = None,
        referral_id: str | None = None,
    ) -> ExclusionNote:
        """A note as the MDT makes it; without a review date, the default months later."""
        return cls(
            patient_key=patient_key,
            excluded_on=excluded_on,
            next_review_on=next_review_on or default_next_review(excluded_on),
            reason=reason,
            referral_id=referral_id,
        )

    def holds(self, on_date: date) -> bool:
        """True while the patient is kept off review (review day itself: due again)."""
        if self.lifted_on is not None and on_date >= self.lifted_on:
            return False
        return self.excluded_on <= on_date < self.next_review_on

    def lift(self, on_date: date) -> ExclusionNote:
        """The exclusion was reversed: the note stops holding from that day."""
        return replace(self, lifted_on=max(on_date, self.excluded_on))


def governing_note(notes: Iterable[ExclusionNote], on_date: date) -> ExclusionNote | None:
    """The patient's latest MDT exclusion made by that day: a later decision supersedes."""
    latest: ExclusionNote | None = None
    for note in notes:
        if note.excluded_on > on_date:
            continue
        if latest is None or note.excluded_on >= latest.excluded_on:
            latest = note
    return latest


def exclusion_holds(notes: Iterable[ExclusionNote], on_date: date) -> bool:
    """Whether the patient's governing note keeps them off review that day."""
    note = governing_note(notes, on_date)
    return note is not None and note.holds(on_date)
