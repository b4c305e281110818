"""Teams, case managers and practices per locality: who can hold a caseload, and how much."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from caseload.domain.capacity import capacity_for_fte
from caseload.domain.errors import (
    CapacityBelowLoad,
    InvalidWorkforce,
    UnknownCaseManager,
    UnknownPractice,
    UnknownTeam,
)
from caseload.domain.vocabulary import Locality, Profession, parse_locality


class TeamKind(StrEnum):
    """Case management teams hold named caseloads; the integrated care team takes moderate need."""

    CASE_MANAGEMENT = "case-management"
    INTEGRATED_CARE = "integrated-care"


class Weekday(StrEnum):
    """Days a case manager works."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS: frozenset[Weekday] = frozenset(
    {Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI}
)


@dataclass(frozen=True, slots=True)
class Team:
    """A locality team; practices' patients are held by the teams of their locality."""

    team_id: str
    name: str
    locality: Locality
    kind: TeamKind
    lead_id: str | None = None


@dataclass(frozen=True, slots=True)
class WorkingPattern:
    """Whole-time equivalent and working days; capacity is pro rata to FTE."""

    fte: float
    days: frozenset[Weekday] = WEEKDAYS

    def __post_init__(self) -> None:
        if not 0 < self.fte <= 1:
            raise InvalidWorkforce(f"FTE must be above 0 and at most 1, not {self.fte}")
        if not self.days:
            raise InvalidWorkforce("a working pattern needs at least one working day")


@dataclass(frozen=True, slots=True)
class CaseManager:
    """A named professional who holds a caseload with a weighted capacity."""

    manager_id: str
    name: str
    profession: Profession
    team_id: str
    locality: Locality
    pattern: WorkingPattern
    capacity_points: int
    skills: frozenset[str] = field(default_factory=frozenset)
    active: bool = True

    def __post_init__(self) -> None:
        if not self.manager_id.strip():
            raise InvalidWorkforce("a case manager needs an id")
        if self.capacity_points <= 0:
            raise InvalidWorkforce(
                f"case manager {self.manager_id} needs a capacity above 0 points"
            )


def new_case_manager(
    *,
    manager_id: str,
    name: str,
    profession: Profession,
    team: Team,
    pattern: WorkingPattern,
    skills: Iterable[str] = (),
    capacity_points: int | None = None,
) -> CaseManager:
    """A case manager in a team's locality; capacity pro rata to FTE unless agreed otherwise."""
    return CaseManager(
        manager_id=manager_id,
        name=name,
        profession=profession,
        team_id=team.team_id,
        locality=team.locality,
        pattern=pattern,
        capacity_points=capacity_for_fte(pattern.fte)
        if capacity_points is None
        else capacity_points,
        skills=frozenset(s.strip().lower() for s in skills),
    )


class Workforce:
    """Registry of teams, case managers and practice localities, indexed for assignment."""

    def __init__(self) -> None:
        self._teams: dict[str, Team] = {}
        self._managers: dict[str, CaseManager] = {}
        self._practices: dict[str, Locality] = {}
        self._by_locality: dict[Locality, list[str]] = {loc: [] for loc in Locality}
        self._version = 0

    @property
    def version(self) -> int:
        """Bumped on every change, so indexes built over the workforce know when to rebuild."""
        return self._version

    def add_team(self, team: Team) -> Team:
        """Register a team; ids are unique and one integrated care team serves each locality."""
        if team.team_id in self._teams:
            raise InvalidWorkforce(f"team {team.team_id} already exists")
        if team.kind is TeamKind.INTEGRATED_CARE and self._integrated_team(team.locality):
            raise InvalidWorkforce(f"{team.locality} already has an integrated care team")
        self._teams[team.team_id] = team
        self._version += 1
        return team

    def add_case_manager(self, manager: CaseManager) -> CaseManager:
        """Register a case manager in a case management team of their locality."""
        if manager.manager_id in self._managers:
            raise InvalidWorkforce(f"case manager {manager.manager_id} already exists")
        team = self.team(manager.team_id)
        if team.kind is not TeamKind.CASE_MANAGEMENT:
            raise InvalidWorkforce(f"team {team.team_id} does not hold named caseloads")
        if team.locality is not manager.locality:
            raise InvalidWorkforce(
                f"case manager {manager.manager_id} is in {manager.locality} "
                f"but team {team.team_id} is in {team.locality}"
            )
        self._managers[manager.manager_id] = manager
        self._by_locality[manager.locality].append(manager.manager_id)
        self._version += 1
        return manager

    def set_capacity(
        self, manager_id: str, capacity_points: int, *, current_load_points: int
    ) -> CaseManager:
        """Change agreed capacity; never below the load already carried."""
        manager = self.case_manager(manager_id)
        if capacity_points < current_load_points:
            raise CapacityBelowLoad(
                f"{manager.name} carries {current_load_points} points; "
                f"capacity {capacity_points} would be below it: reassign cases first"
            )
        return self._replace(replace(manager, capacity_points=capacity_points))

    def set_working_pattern(
        self, manager_id: str, pattern: WorkingPattern, *, current_load_points: int
    ) -> CaseManager:
        """Change FTE and days; capacity follows FTE and must still cover the current load."""
        manager = self.set_capacity(
            manager_id, capacity_for_fte(pattern.fte), current_load_points=current_load_points
        )
        return self._replace(replace(manager, pattern=pattern))

    def set_team_lead(self, team_id: str, lead_id: str) -> Team:
        """Name the team lead (the person who may override assignments)."""
        team = replace(self.team(team_id), lead_id=self.case_manager(lead_id).manager_id)
        self._teams[team_id] = team
        self._version += 1
        return team

    def set_active(self, manager_id: str, active: bool) -> CaseManager:
        """Stop (or restart) new assignments; existing cases stay until reassigned."""
        return self._replace(replace(self.case_manager(manager_id), active=active))

    def _replace(self, manager: CaseManager) -> CaseManager:
        self._managers[manager.manager_id] = manager
        self._version += 1
        return manager

    def map_practice(self, practice_code: str, locality: Locality | str) -> None:
        """Record which locality a practice belongs to."""
        code = practice_code.strip().upper()
        if not code:
            raise InvalidWorkforce("a practice needs a code")
        self._practices[code] = parse_locality(locality)
        self._version += 1

    def locality_of_practice(self, practice_code: str) -> Locality:
        """The locality a practice belongs to."""
        try:
            return self._practices[practice_code.strip().upper()]
        except KeyError:
            raise UnknownPractice(
                f"practice {practice_code!r} is not mapped to a locality"
            ) from None

    def knows_practice(self, practice_code: str) -> bool:
        """Whether a practice's locality is known."""
        return practice_code.strip().upper() in self._practices

    def team(self, team_id: str) -> Team:
        """One team by id."""
        try:
            return self._teams[team_id]
        except KeyError:
            raise UnknownTeam(f"unknown team {team_id!r}") from None

    def case_manager(self, manager_id: str) -> CaseManager:
        """One case manager by id."""
        try:
            return self._managers[manager_id]
        except KeyError:
            raise UnknownCaseManager(f"unknown case manager {manager_id!r}") from None

    def _integrated_team(self, locality: Locality) -> Team | None:
        for team in self._teams.values():
            if team.locality is locality and team.kind is TeamKind.INTEGRATED_CARE:
                return team
        return None

    def integrated_team(self, locality: Locality) -> Team:
        """The locality's integrated care team, which holds moderate-need cases."""
        team = self._integrated_team(locality)
        if team is None:
            raise UnknownTeam(f"{locality} has no integrated care team")
        return team

    def managers_in(self, locality: Locality) -> list[CaseManager]:
        """Case managers of a locality (active or not), in registration order."""
        return [self._managers[m] for m in self._by_locality[locality]]

    @property
    def teams(self) -> list[Team]:
        """Every team."""
        return list(self._teams.values())

    @property
    def case_managers(self) -> list[CaseManager]:
        """Every case manager."""
        return list(self._managers.values())

    @property
    def practices(self) -> dict[str, Locality]:
        """Practice code → locality."""
        return dict(self._practices)
