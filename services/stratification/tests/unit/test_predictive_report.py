"""Predictive report per practice or cluster: cohort at risk, marks, and MDT exclusions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cch_contracts.clock import FakeClock, today
from stratification.domain.errors import InvalidExclusionNote
from stratification.domain.exclusions import (
    DEFAULT_EXCLUSION_REVIEW_MONTHS,
    ExclusionNote,
    add_months,
    latest_notes,
)
from stratification.domain.predictive_report import (
    GpFlag,
    PredictiveReport,
    ReportMark,
    ReportScope,
    ScoredPatient,
    build_predictive_report,
)
from stratification.domain.tiers import Tier

REVIEW_ON = date(2026, 6, 1)
NOTE = ExclusionNote(
    "p-excluded", date(2026, 1, 5), REVIEW_ON, "declined: well supported by family"
)

SCORED = (
    ScoredPatient("p-new", "M81001", Tier.HIGH, 0.31, ("prior NEL admissions: 2",)),
    ScoredPatient("p-known", "M81001", Tier.HIGHEST, 0.62),
    ScoredPatient("p-managed", "M81001", Tier.HIGH, 0.40),
    ScoredPatient("p-excluded", "M81001", Tier.HIGHEST, 0.55),
    ScoredPatient("p-medium", "M81001", Tier.MEDIUM, 0.12),
    ScoredPatient("p-other-practice", "M82002", Tier.HIGHEST, 0.90),
)


def report_on(day: date, scope: ReportScope | None = None, **overrides: object) -> PredictiveReport:
    arguments: dict[str, object] = {
        "produced_on": day,
        "model_version": "nel12-logistic-20250401-abcd1234",
        "scored": SCORED,
        "previous_cohort": {"p-known", "p-managed", "p-excluded"},
        "case_managed": {"p-managed"},
        "gp_flags": (GpFlag("p-new", "M81001", "housebound register"),),
        "exclusions": (NOTE,),
    }
    arguments.update(overrides)
    return build_predictive_report(scope or ReportScope.practice("M81001"), **arguments)


def ids(report: PredictiveReport) -> list[str]:
    return [e.patient_id for e in report.entries]


def test_report_lists_the_highest_and_high_tiers_of_the_practice_riskiest_first() -> None:
    assert ids(report_on(date(2026, 3, 1))) == ["p-known", "p-managed", "p-new"]


def test_patients_are_marked_new_case_managed_and_gp_flagged() -> None:
    marks = {e.patient_id: e.marks for e in report_on(date(2026, 3, 1)).entries}
    assert marks == {
        "p-known": frozenset(),
        "p-managed": {ReportMark.ALREADY_CASE_MANAGED},
        "p-new": {ReportMark.NEW, ReportMark.GP_FLAGGED},
    }


def test_excluded_patient_stays_off_report_until_review_date() -> None:
    report = report_on(REVIEW_ON - timedelta(days=1))
    assert "p-excluded" not in ids(report)
    assert [(h.patient_id, h.next_review_on) for h in report.held_back] == [
        ("p-excluded", REVIEW_ON)
    ]
    assert "p-excluded" in report.cohort


def test_excluded_patient_returns_on_the_review_date_marked_for_review() -> None:
    report = report_on(REVIEW_ON)
    (entry,) = [e for e in report.entries if e.patient_id == "p-excluded"]
    assert entry.marks == {ReportMark.EXCLUSION_REVIEW_DUE}
    assert report.held_back == ()


def test_excluded_patient_stays_back_on_after_the_review_date() -> None:
    assert "p-excluded" in ids(report_on(REVIEW_ON + timedelta(days=30)))


def test_report_date_comes_from_an_injected_clock() -> None:
    clock = FakeClock(datetime(2026, 5, 31, 23, 30, tzinfo=UTC))
    assert "p-excluded" not in ids(report_on(today(clock)))
    clock.advance(timedelta(hours=1))
    assert "p-excluded" in ids(report_on(today(clock)))


def test_a_later_mdt_decision_supersedes_the_earlier_note() -> None:
    renewed = ExclusionNote("p-excluded", REVIEW_ON, date(2026, 12, 1), "reviewed: still declines")
    report = report_on(date(2026, 7, 1), exclusions=(NOTE, renewed))
    assert "p-excluded" not in ids(report)
    assert latest_notes((NOTE, renewed), date(2026, 7, 1))["p-excluded"] is renewed


def test_a_note_made_after_the_report_day_does_not_apply_yet() -> None:
    future = ExclusionNote("p-known", date(2026, 4, 1), date(2026, 10, 1), "to be excluded")
    assert "p-known" in ids(report_on(date(2026, 3, 1), exclusions=(future,)))


def test_cluster_report_spans_its_practices() -> None:
    cluster = ReportScope.cluster("Oswestry cluster", {"M81001", "M82002"})
    assert ids(report_on(date(2026, 3, 1), cluster))[0] == "p-other-practice"


def test_gp_flag_outside_the_cohort_is_listed_for_the_meeting() -> None:
    flag = GpFlag("p-medium", "M81001", "falls register")
    report = report_on(date(2026, 3, 1), gp_flags=(flag,))
    assert report.flagged_outside_cohort == (flag,)
    assert "p-medium" not in ids(report)


def test_without_a_review_date_the_default_is_six_months_later() -> None:
    note = ExclusionNote.record("p1", excluded_on=date(2026, 8, 31), reason="declined")
    assert DEFAULT_EXCLUSION_REVIEW_MONTHS == 6
    assert note.next_review_on == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 6) == date(2026, 7, 15)


def test_review_date_must_fall_after_the_exclusion() -> None:
    with pytest.raises(InvalidExclusionNote):
        ExclusionNote("p1", date(2026, 1, 5), date(2026, 1, 5), "same day")
