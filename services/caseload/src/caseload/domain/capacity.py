"""Weighted caseload capacity and the per-manager load aggregates assignment decides on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from caseload.domain.vocabulary import (
    CLOSED_STATUSES,
    AssignmentKind,
    CaseStatus,
    Locality,
    NeedLevel,
    Tier,
)

# Weighted points a case adds to its case manager's load, by tier: the Highest tier needs
# "as required" contact, High monthly to six-weekly, Medium/Low far less.
CASE_WEIGHT: dict[Tier, int] = {Tier.HIGHEST: 3, Tier.HIGH: 2, Tier.MEDIUM: 1, Tier.LOW: 1}
# A case not (yet) scored by stratification weighs as High: severe need, no tier to say more.
UNSCORED_CASE_WEIGHT = 2

# Points one whole-time case manager carries. A typical case manager holds ~40-60 complex
# patients: 40 Highest-tier (3 points) or 60 High-tier (2 points) patients both make 120.
CAPACITY_POINTS_PER_WTE = 120


def case_weight(tier: Tier | None) -> int:
    """Points a case weighs on a caseload."""
    return UNSCORED_CASE_WEIGHT if tier is None else CASE_WEIGHT[tier]


def capacity_for_fte(fte: float) -> int:
    """Default capacity of a working pattern, pro rata to whole-time equivalent."""
    return round(CAPACITY_POINTS_PER_WTE * fte)


@dataclass(frozen=True, slots=True)
class ManagerLoad:
    """Weighted points and number of open cases one case manager holds."""

    points: int = 0
    cases: int = 0


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one open case adds to the aggregates (its owner and its weight)."""

    patient_key: str
    locality: Locality
    need_level: NeedLevel
    status: CaseStatus
    kind: AssignmentKind | None
    owner_id: str | None
    weight: int


class LedgerCase(Protocol):
    """The parts of a case the ledger reads."""

    @property
    def case_id(self) -> str: ...
    @property
    def patient_key(self) -> str: ...
    @property
    def locality(self) -> Locality: ...
    @property
    def need_level(self) -> NeedLevel: ...
    @property
    def status(self) -> CaseStatus: ...
    @property
    def weight(self) -> int: ...
    @property
    def assignment_kind(self) -> AssignmentKind | None: ...
    @property
    def owner_id(self) -> str | None: ...


_NO_LOAD = ManagerLoad()


class LoadLedger:
    """Running totals per manager, team and locality, updated in O(1) per case change."""

    def __init__(self) -> None:
        self._by_case: dict[str, Contribution] = {}
        self._open_by_patient: dict[str, str] = {}
        self._manager: dict[str, ManagerLoad] = {}
        self._team_cases: dict[str, int] = {}
        self._locality_counts: dict[tuple[Locality, str], int] = {}

    @classmethod
    def from_cases(cls, cases: Iterable[LedgerCase]) -> LoadLedger:
        """Hydrate the aggregates once from stored cases."""
        ledger = cls()
        for case in cases:
            ledger.sync(case)
        return ledger

    def sync(self, case: LedgerCase) -> None:
        """Bring the aggregates in line with a case's current state (idempotent)."""
        old = self._by_case.pop(case.case_id, None)
        if old is not None:
            self._apply(old, -1)
            if self._open_by_patient.get(old.patient_key) == case.case_id:
                del self._open_by_patient[old.patient_key]
        if case.status in CLOSED_STATUSES:
            return
        new = Contribution(
            patient_key=case.patient_key,
            locality=case.locality,
            need_level=case.need_level,
            status=case.status,
            kind=case.assignment_kind,
            owner_id=case.owner_id,
            weight=case.weight,
        )
        self._by_case[case.case_id] = new
        self._open_by_patient[case.patient_key] = case.case_id
        self._apply(new, +1)

    def _apply(self, c: Contribution, sign: int) -> None:
        bucket = c.status.value if c.status is CaseStatus.WAITING else str(c.kind)
        key = (c.locality, bucket)
        self._locality_counts[key] = self._locality_counts.get(key, 0) + sign
        if c.status is not CaseStatus.ACTIVE or c.owner_id is None:
            return
        if c.kind is AssignmentKind.CASE_MANAGER:
            was = self._manager.get(c.owner_id, _NO_LOAD)
            self._manager[c.owner_id] = ManagerLoad(
                points=was.points + sign * c.weight, cases=was.cases + sign
            )
        elif c.kind is AssignmentKind.INTEGRATED_TEAM:
            self._team_cases[c.owner_id] = self._team_cases.get(c.owner_id, 0) + sign

    def load_of(self, manager_id: str) -> ManagerLoad:
        """Current weighted load of one case manager."""
        return self._manager.get(manager_id, _NO_LOAD)

    def team_cases(self, team_id: str) -> int:
        """Open cases held by a team rather than a named person."""
        return self._team_cases.get(team_id, 0)

    def locality_count(self, locality: Locality, bucket: AssignmentKind | CaseStatus) -> int:
        """Open cases in a locality by assignment kind, or waiting."""
        return self._locality_counts.get((locality, bucket.value), 0)

    def open_case_for(self, patient_key: str) -> str | None:
        """The patient's open (waiting or active) case, if any."""
        return self._open_by_patient.get(patient_key)

    def contribution(self, case_id: str) -> Contribution | None:
        """What an open case currently adds, or None when closed or unknown."""
        return self._by_case.get(case_id)

    def open_cases(self) -> int:
        """Number of open (waiting or active) cases."""
        return len(self._by_case)
