"""The routine predictive report an MDT reviews for one GP practice or a cluster of practices.

Seed (Shropshire, Appendix B): a routine report "draws out a cohort of patients deemed to be at
risk of hospital admission in the following 12 months ... This includes new individuals each
time the report is produced as well as patients who are already being case managed", for "one
practice, or a number of smaller practices, or ... a collective cluster". The cohort is the
Highest and High tiers; patients under an MDT exclusion note stay off until its review date.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from stratification.domain.exclusions import ExclusionNote, latest_notes
from stratification.domain.tiers import Tier

AT_RISK_TIERS: frozenset[Tier] = frozenset({Tier.HIGHEST, Tier.HIGH})


class ReportMark(enum.StrEnum):
    """What the MDT needs to know about a line before discussing it."""

    NEW = "new"
    ALREADY_CASE_MANAGED = "already-case-managed"
    GP_FLAGGED = "gp-flagged"
    EXCLUSION_REVIEW_DUE = "exclusion-review-due"


@dataclass(frozen=True)
class ReportScope:
    """One practice, or several small practices reviewed together as a cluster."""

    name: str
    practice_codes: frozenset[str]

    @classmethod
    def practice(cls, code: str) -> ReportScope:
        """A single practice's report."""
        return cls(code, frozenset({code}))

    @classmethod
    def cluster(cls, name: str, codes: Iterable[str]) -> ReportScope:
        """A cluster's report across its practices."""
        return cls(name, frozenset(codes))


@dataclass(frozen=True)
class ScoredPatient:
    """One patient's result from a stratification run."""

    patient_id: str
    practice_code: str
    tier: Tier
    risk: float
    factors: tuple[str, ...] = ()


@dataclass(frozen=True)
class GpFlag:
    """A GP's concern from clinical knowledge or registers (housebound, falls), not a score."""

    patient_id: str
    practice_code: str
    reason: str


@dataclass(frozen=True)
class ReportEntry:
    """One line of the report."""

    patient_id: str
    practice_code: str
    tier: Tier
    risk: float
    marks: frozenset[ReportMark]
    factors: tuple[str, ...]


@dataclass(frozen=True)
class HeldBack:
    """An at-risk patient kept off this report by an MDT exclusion, and until when."""

    patient_id: str
    next_review_on: date
    reason: str


@dataclass(frozen=True)
class PredictiveReport:
    """The report for one scope on one day."""

    scope: ReportScope
    produced_on: date
    model_version: str
    entries: tuple[ReportEntry, ...]
    held_back: tuple[HeldBack, ...]
    flagged_outside_cohort: tuple[GpFlag, ...]
    cohort: frozenset[str]  # everyone at risk, excluded or not: the next run's "previous cohort"

    def marked(self, mark: ReportMark) -> tuple[ReportEntry, ...]:
        """The lines carrying one mark."""
        return tuple(e for e in self.entries if mark in e.marks)


def build_predictive_report(
    scope: ReportScope,
    *,
    produced_on: date,
    model_version: str,
    scored: Iterable[ScoredPatient],
    previous_cohort: Collection[str],
    case_managed: Collection[str],
    gp_flags: Iterable[GpFlag] = (),
    exclusions: Iterable[ExclusionNote] = (),
    at_risk_tiers: frozenset[Tier] = AT_RISK_TIERS,
) -> PredictiveReport:
    """Cohort at risk in scope, marked, minus those the MDT excluded until their review."""
    in_scope = [p for p in scored if p.practice_code in scope.practice_codes]
    at_risk = [p for p in in_scope if p.tier in at_risk_tiers]
    cohort = frozenset(p.patient_id for p in at_risk)
    flags = {f.patient_id: f for f in gp_flags if f.practice_code in scope.practice_codes}
    notes = latest_notes(exclusions, produced_on)

    entries: list[ReportEntry] = []
    held_back: list[HeldBack] = []
    for patient in at_risk:
        note = notes.get(patient.patient_id)
        if note is not None and note.holds_on(produced_on):
            held_back.append(HeldBack(patient.patient_id, note.next_review_on, note.reason))
            continue
        marks: set[ReportMark] = set()
        if patient.patient_id not in previous_cohort:
            marks.add(ReportMark.NEW)
        if patient.patient_id in case_managed:
            marks.add(ReportMark.ALREADY_CASE_MANAGED)
        if patient.patient_id in flags:
            marks.add(ReportMark.GP_FLAGGED)
        if note is not None and note.review_due_on(produced_on):
            marks.add(ReportMark.EXCLUSION_REVIEW_DUE)
        entries.append(
            ReportEntry(
                patient.patient_id,
                patient.practice_code,
                patient.tier,
                patient.risk,
                frozenset(marks),
                patient.factors,
            )
        )
    entries.sort(key=_order)
    outside = tuple(
        sorted(
            (
                f
                for pid, f in flags.items()
                if pid not in cohort and not (pid in notes and notes[pid].holds_on(produced_on))
            ),
            key=lambda f: f.patient_id,
        )
    )
    return PredictiveReport(
        scope=scope,
        produced_on=produced_on,
        model_version=model_version,
        entries=tuple(entries),
        held_back=tuple(sorted(held_back, key=lambda h: (h.next_review_on, h.patient_id))),
        flagged_outside_cohort=outside,
        cohort=cohort,
    )


def _order(entry: ReportEntry) -> tuple[int, float, str]:
    """Highest tier first, then highest risk, then a stable tie-break."""
    return (-entry.tier.code, -entry.risk, entry.patient_id)
