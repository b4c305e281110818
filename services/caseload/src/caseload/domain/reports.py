"""Caseload figures for team leads and commissioners, against the seed's modelled numbers.

Locality figures compare *case-managed* patients (a named case manager or the integrated care
team: severe and moderate need) with the modelled case management numbers (see
modelled_numbers.py for the citation); self-care and waiting patients are shown beside them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from caseload.domain.capacity import LoadLedger
from caseload.domain.modelled_numbers import ModelledBasis, modelled_case_management
from caseload.domain.review_schedule import is_review_overdue, review_day
from caseload.domain.vocabulary import (
    LOCALITY_SHARE,
    AssignmentKind,
    CaseStatus,
    Locality,
    MostPressingNeed,
    Profession,
    Tier,
)
from caseload.domain.waiting_list import WaitingList
from caseload.domain.workforce import TeamKind, Workforce


def _utilisation(load: int, capacity: int) -> float:
    return load / capacity if capacity else 0.0


@dataclass(frozen=True, slots=True)
class ManagerCaseload:
    """One case manager's caseload against capacity."""

    manager_id: str
    name: str
    profession: Profession
    team_id: str
    locality: Locality
    active: bool
    cases: int
    load_points: int
    capacity_points: int
    utilisation: float

    @property
    def over_capacity(self) -> bool:
        """Load above capacity (a tier rise on existing cases can do this)."""
        return self.load_points > self.capacity_points


def caseload_by_manager(workforce: Workforce, ledger: LoadLedger) -> list[ManagerCaseload]:
    """Every case manager's cases, points and utilisation, by locality then id."""
    rows = []
    for m in workforce.case_managers:
        load = ledger.load_of(m.manager_id)
        rows.append(
            ManagerCaseload(
                manager_id=m.manager_id,
                name=m.name,
                profession=m.profession,
                team_id=m.team_id,
                locality=m.locality,
                active=m.active,
                cases=load.cases,
                load_points=load.points,
                capacity_points=m.capacity_points,
                utilisation=_utilisation(load.points, m.capacity_points),
            )
        )
    rows.sort(key=lambda r: (list(Locality).index(r.locality), r.manager_id))
    return rows


@dataclass(frozen=True, slots=True)
class TeamCaseload:
    """A team's caseload; capacity applies to case management teams only."""

    team_id: str
    name: str
    locality: Locality
    kind: TeamKind
    managers: int
    cases: int
    load_points: int
    capacity_points: int
    utilisation: float


def caseload_by_team(workforce: Workforce, ledger: LoadLedger) -> list[TeamCaseload]:
    """Cases per team: named caseloads summed for case management teams, held cases for the ICT."""
    members: dict[str, list[str]] = {}
    capacity: Counter[str] = Counter()
    for m in workforce.case_managers:
        members.setdefault(m.team_id, []).append(m.manager_id)
        if m.active:
            capacity[m.team_id] += m.capacity_points
    rows = []
    for team in workforce.teams:
        ids = members.get(team.team_id, [])
        if team.kind is TeamKind.INTEGRATED_CARE:
            cases, points = ledger.team_cases(team.team_id), 0
        else:
            loads = [ledger.load_of(i) for i in ids]
            cases, points = sum(x.cases for x in loads), sum(x.points for x in loads)
        rows.append(
            TeamCaseload(
                team_id=team.team_id,
                name=team.name,
                locality=team.locality,
                kind=team.kind,
                managers=len(ids),
                cases=cases,
                load_points=points,
                capacity_points=capacity[team.team_id],
                utilisation=_utilisation(points, capacity[team.team_id]),
            )
        )
    rows.sort(
        key=lambda r: (
            list(Locality).index(r.locality),
            r.kind != TeamKind.CASE_MANAGEMENT,
            r.team_id,
        )
    )
    return rows


@dataclass(frozen=True, slots=True)
class LocalityCaseload:
    """A locality's open cases and capacity against the seed's modelled number (None = county)."""

    locality: Locality | None
    population_share: float
    named_case_manager: int
    integrated_team: int
    self_care: int
    waiting: int
    load_points: int
    capacity_points: int
    utilisation: float
    modelled: int
    modelled_basis: ModelledBasis

    @property
    def case_managed(self) -> int:
        """Patients on case management proper: named case manager or integrated care team."""
        return self.named_case_manager + self.integrated_team

    @property
    def open_cases(self) -> int:
        """Every open case, self-care and waiting included."""
        return self.case_managed + self.self_care + self.waiting

    @property
    def share_of_modelled(self) -> float:
        """Case-managed patients as a share of the modelled number."""
        return self.case_managed / self.modelled if self.modelled else 0.0


def caseload_by_locality(
    workforce: Workforce,
    ledger: LoadLedger,
    *,
    basis: ModelledBasis = ModelledBasis.PROJECTED_1_TO_3_LTC,
    scale: float = 1.0,
) -> list[LocalityCaseload]:
    """North, Central, South and the county total, against modelled numbers x scale."""
    modelled = modelled_case_management(basis)
    points: Counter[Locality] = Counter()
    capacity: Counter[Locality] = Counter()
    for m in workforce.case_managers:
        points[m.locality] += ledger.load_of(m.manager_id).points
        if m.active:
            capacity[m.locality] += m.capacity_points
    rows = [
        LocalityCaseload(
            locality=loc,
            population_share=LOCALITY_SHARE[loc],
            named_case_manager=ledger.locality_count(loc, AssignmentKind.CASE_MANAGER),
            integrated_team=ledger.locality_count(loc, AssignmentKind.INTEGRATED_TEAM),
            self_care=ledger.locality_count(loc, AssignmentKind.SELF_CARE),
            waiting=ledger.locality_count(loc, CaseStatus.WAITING),
            load_points=points[loc],
            capacity_points=capacity[loc],
            utilisation=_utilisation(points[loc], capacity[loc]),
            modelled=round(modelled[loc] * scale),
            modelled_basis=basis,
        )
        for loc in Locality
    ]
    total_points, total_capacity = sum(points.values()), sum(capacity.values())
    rows.append(
        LocalityCaseload(
            locality=None,
            population_share=1.0,
            named_case_manager=sum(r.named_case_manager for r in rows),
            integrated_team=sum(r.integrated_team for r in rows),
            self_care=sum(r.self_care for r in rows),
            waiting=sum(r.waiting for r in rows),
            load_points=total_points,
            capacity_points=total_capacity,
            utilisation=_utilisation(total_points, total_capacity),
            modelled=sum(r.modelled for r in rows),
            modelled_basis=basis,
        )
    )
    return rows


@dataclass(frozen=True, slots=True)
class WaitingRow:
    """One waiting patient in the order capacity will go to them."""

    position: int
    case_id: str
    patient_key: str
    locality: Locality
    most_pressing_need: MostPressingNeed
    tier: Tier | None
    waitlisted_at: datetime
    waited_days: int
    reason: str
    on_hold: bool = False  # passed over while the referral is on hold; the place is kept


def waiting_list_report(waiting: WaitingList, now: datetime) -> list[WaitingRow]:
    """The waiting list in priority order, with how long each patient has waited."""
    today = review_day(now)
    return [
        WaitingRow(
            position=i,
            case_id=e.case_id,
            patient_key=e.patient_key,
            locality=e.locality,
            most_pressing_need=e.most_pressing_need,
            tier=e.tier,
            waitlisted_at=e.waitlisted_at,
            waited_days=(today - review_day(e.waitlisted_at)).days,
            reason=e.reason,
            on_hold=e.on_hold,
        )
        for i, e in enumerate(waiting.ordered(), start=1)
    ]


class OverdueCase(Protocol):
    """The parts of a case the overdue report reads."""

    @property
    def case_id(self) -> str: ...
    @property
    def patient_key(self) -> str: ...
    @property
    def status(self) -> CaseStatus: ...
    @property
    def tier(self) -> Tier | None: ...
    @property
    def locality(self) -> Locality: ...
    @property
    def owner_id(self) -> str | None: ...
    @property
    def next_review_on(self) -> date | None: ...
    @property
    def review_due_notified_on(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class OverdueReview:
    """A review whose date has passed without the MDT recording one."""

    case_id: str
    patient_key: str
    locality: Locality
    owner_id: str | None
    tier: Tier | None
    due_on: date
    days_overdue: int


def reviews_overdue(cases: Iterable[OverdueCase], now: datetime) -> list[OverdueReview]:
    """Overdue reviews, most overdue first."""
    today = review_day(now)
    rows = [
        OverdueReview(
            case_id=c.case_id,
            patient_key=c.patient_key,
            locality=c.locality,
            owner_id=c.owner_id,
            tier=c.tier,
            due_on=c.next_review_on,
            days_overdue=(today - c.next_review_on).days,
        )
        for c in cases
        if c.next_review_on is not None and is_review_overdue(c, now)
    ]
    rows.sort(key=lambda r: (-r.days_overdue, r.case_id))
    return rows


def overdue_by_owner(rows: Iterable[OverdueReview]) -> dict[str, int]:
    """Overdue reviews per case manager or team, for team leads."""
    return dict(Counter(r.owner_id or "self-care" for r in rows))
