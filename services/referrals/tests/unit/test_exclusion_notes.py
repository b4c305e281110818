"""Exclusion notes: an excluded patient is not reviewed again until the planned date."""

from __future__ import annotations

from datetime import date

import pytest

from referrals.domain.errors import InvalidExclusionNote
from referrals.domain.exclusions import (
    DEFAULT_EXCLUSION_REVIEW_MONTHS,
    ExclusionNote,
    add_months,
    exclusion_holds,
    governing_note,
)

NOTE = ExclusionNote.record(
    "pk-1", excluded_on=date(2024, 4, 10), next_review_on=date(2024, 7, 10), reason="low-need"
)


def test_note_does_not_hold_before_the_day_of_exclusion() -> None:
    assert not NOTE.holds(date(2024, 4, 9))


def test_note_holds_from_exclusion_until_the_day_before_review() -> None:
    assert NOTE.holds(date(2024, 4, 10))
    assert NOTE.holds(date(2024, 7, 9))


def test_note_stops_holding_on_the_review_date_and_after() -> None:
    assert not NOTE.holds(date(2024, 7, 10))
    assert not NOTE.holds(date(2024, 12, 1))


def test_default_review_is_six_months_later_clamped_to_month_end() -> None:
    note = ExclusionNote.record("pk-1", excluded_on=date(2024, 8, 31), reason="declined")
    assert DEFAULT_EXCLUSION_REVIEW_MONTHS == 6
    assert note.next_review_on == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


def test_review_must_fall_after_exclusion_and_within_a_year() -> None:
    with pytest.raises(InvalidExclusionNote):
        ExclusionNote.record(
            "pk-1", excluded_on=date(2024, 4, 10), next_review_on=date(2024, 4, 10), reason="x"
        )
    with pytest.raises(InvalidExclusionNote):
        ExclusionNote.record(
            "pk-1", excluded_on=date(2024, 4, 10), next_review_on=date(2025, 4, 11), reason="x"
        )
    with pytest.raises(InvalidExclusionNote):
        ExclusionNote.record("", excluded_on=date(2024, 4, 10), reason="x")


def test_lifted_note_stops_holding_from_the_day_it_is_lifted() -> None:
    lifted = NOTE.lift(date(2024, 5, 1))
    assert lifted.holds(date(2024, 4, 30))
    assert not lifted.holds(date(2024, 5, 1))
    assert NOTE.holds(date(2024, 5, 1))  # the original record is unchanged


def test_latest_decision_governs_even_with_an_earlier_review() -> None:
    later = ExclusionNote.record(
        "pk-1", excluded_on=date(2024, 5, 1), next_review_on=date(2024, 6, 1), reason="x"
    )
    notes = [NOTE, later]
    assert governing_note(notes, date(2024, 6, 15)) is later
    assert not exclusion_holds(notes, date(2024, 6, 15))
    assert governing_note(notes, date(2024, 4, 20)) is NOTE
    assert exclusion_holds(notes, date(2024, 4, 20))
    assert governing_note([], date(2024, 4, 20)) is None
