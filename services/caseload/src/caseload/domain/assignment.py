"""Who holds an accepted referral, and why.

Severe need → a named case manager; moderate → the integrated care team; mild → self-care.

Need → profession (the seed: the case manager's background fits the most pressing need):
- nursing: community nurse, community matron
- end-of-life: community matron, community nurse (Bromley: EoL coordination or matrons)
- social: social worker
- mental-health: mental health nurse
- therapy: occupational therapist, physiotherapist
- medicines: pharmacist
A manager of another profession who lists the need as a skill (e.g. a matron who prescribes,
'medicines') also fits. If a locality has no active manager fitting the need at all (a workforce
gap, not a capacity problem), community matrons are the fallback generalists.

Choice: among fitting, active managers in the patient's locality with room for the case's
weight, the least utilised after taking it; ties go to a profession fit over a skill fit, then
the lower manager id. No one with room → the waiting list, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from caseload.domain.capacity import LoadLedger, case_weight
from caseload.domain.cases import AcceptedReferral
from caseload.domain.errors import (
    CaseManagerAtCapacity,
    CaseManagerInactive,
    OutOfLocalityNeedsReason,
    OverrideReasonRequired,
)
from caseload.domain.events import CaseManagerSummary
from caseload.domain.ownership import Assignment
from caseload.domain.vocabulary import (
    AssignmentKind,
    Locality,
    MostPressingNeed,
    NeedLevel,
    Profession,
)
from caseload.domain.waiting_list import WaitingList
from caseload.domain.workforce import CaseManager, Workforce

NEED_PROFESSIONS: dict[MostPressingNeed, tuple[Profession, ...]] = {
    MostPressingNeed.NURSING: (Profession.COMMUNITY_NURSE, Profession.COMMUNITY_MATRON),
    MostPressingNeed.END_OF_LIFE: (Profession.COMMUNITY_MATRON, Profession.COMMUNITY_NURSE),
    MostPressingNeed.SOCIAL: (Profession.SOCIAL_WORKER,),
    MostPressingNeed.MENTAL_HEALTH: (Profession.MENTAL_HEALTH_NURSE,),
    MostPressingNeed.THERAPY: (Profession.OCCUPATIONAL_THERAPIST, Profession.PHYSIOTHERAPIST),
    MostPressingNeed.MEDICINES: (Profession.PHARMACIST,),
}
FALLBACK_PROFESSIONS: tuple[Profession, ...] = (Profession.COMMUNITY_MATRON,)


class Fit(StrEnum):
    """How a candidate fits the patient's most pressing need (better first)."""

    PROFESSION = "profession"
    SKILL = "skill"
    FALLBACK = "fallback"
    OVERRIDE = "override"


_FIT_RANK = {Fit.PROFESSION: 0, Fit.SKILL: 1, Fit.FALLBACK: 2, Fit.OVERRIDE: 3}


class DecisionKind(StrEnum):
    """What an assignment decision came to."""

    CASE_MANAGER = "case-manager"
    INTEGRATED_TEAM = "integrated-team"
    SELF_CARE = "self-care"
    WAITING_LIST = "waiting-list"


class CandidateScore(NamedTuple):
    """One case manager considered, with the numbers the choice was made on."""

    manager_id: str
    name: str
    profession: Profession
    fit: Fit
    load_points: int
    capacity_points: int
    cases: int
    utilisation_after: float
    has_capacity: bool

    @property
    def rank_key(self) -> tuple[float, int, str]:
        """Least utilised first, then profession over skill fit, then id (deterministic)."""
        return (self.utilisation_after, _FIT_RANK[self.fit], self.manager_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamLeadOverride:
    """A team lead's choice of case manager, which must say why."""

    case_manager_id: str
    reason: str
    decided_by: str
    out_of_locality_reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentDecision:
    """The outcome and its explanation: why, and every candidate considered with its score."""

    kind: DecisionKind
    locality: Locality
    weight: int
    why: str
    case_manager: CaseManagerSummary | None = None
    team_id: str | None = None
    candidates: tuple[CandidateScore, ...] = ()
    overridden: bool = False

    def assignment(self) -> Assignment | None:
        """The case's owner, or None for the waiting list."""
        if self.kind is DecisionKind.CASE_MANAGER and self.case_manager is not None:
            return Assignment(AssignmentKind.CASE_MANAGER, self.case_manager.manager_id)
        if self.kind is DecisionKind.INTEGRATED_TEAM:
            return Assignment(AssignmentKind.INTEGRATED_TEAM, self.team_id)
        if self.kind is DecisionKind.SELF_CARE:
            return Assignment(AssignmentKind.SELF_CARE)
        return None


def summary_of(manager: CaseManager) -> CaseManagerSummary:
    """How events name a case manager."""
    return CaseManagerSummary(manager.manager_id, manager.name, manager.profession)


def fit_of(manager: CaseManager, need: MostPressingNeed) -> Fit | None:
    """Whether (and how) a manager fits the need."""
    if manager.profession in NEED_PROFESSIONS[need]:
        return Fit.PROFESSION
    if need.value in manager.skills:
        return Fit.SKILL
    return None


def score(manager: CaseManager, fit: Fit, ledger: LoadLedger, weight: int) -> CandidateScore:
    """A candidate's load and utilisation if this case were added."""
    load = ledger.load_of(manager.manager_id)
    after = load.points + weight
    capacity = manager.capacity_points
    return CandidateScore(
        manager.manager_id,
        manager.name,
        manager.profession,
        fit,
        load.points,
        capacity,
        load.cases,
        after / capacity,
        after <= capacity,
    )


def fitting_managers(
    workforce: Workforce, locality: Locality, need: MostPressingNeed
) -> tuple[tuple[CaseManager, Fit], ...]:
    """Active managers in the locality who fit the need, or the fallback generalists."""
    fitting = []
    for manager in workforce.managers_in(locality):
        if manager.active:
            fit = fit_of(manager, need)
            if fit is not None:
                fitting.append((manager, fit))
    if not fitting:
        fitting = [
            (m, Fit.FALLBACK)
            for m in workforce.managers_in(locality)
            if m.active and m.profession in FALLBACK_PROFESSIONS
        ]
    return tuple(fitting)


def severe_candidates(
    fitting: Iterable[tuple[CaseManager, Fit]], ledger: LoadLedger, weight: int
) -> list[CandidateScore]:
    """Fitting managers scored for a case of this weight, best first."""
    scored = [score(manager, fit, ledger, weight) for manager, fit in fitting]
    scored.sort(key=lambda c: c.rank_key)
    return scored


def resolve_locality(workforce: Workforce, referral: AcceptedReferral) -> Locality:
    """The practice's locality when mapped (the source of truth), else the referral's."""
    code = referral.practice_code
    if code and workforce.knows_practice(code):
        return workforce.locality_of_practice(code)
    return referral.locality


class Assigner:
    """The assignment rules over a workforce, its load aggregates and the waiting list."""

    def __init__(self, workforce: Workforce, ledger: LoadLedger, waiting: WaitingList) -> None:
        self.workforce = workforce
        self.ledger = ledger
        self.waiting = waiting
        self._fitting: dict[tuple[Locality, MostPressingNeed], tuple[tuple[CaseManager, Fit], ...]]
        self._fitting = {}
        self._fitting_version = -1

    def fitting(
        self, locality: Locality, need: MostPressingNeed
    ) -> tuple[tuple[CaseManager, Fit], ...]:
        """Who fits a need in a locality, cached until the workforce changes."""
        if self._fitting_version != self.workforce.version:
            self._fitting.clear()
            self._fitting_version = self.workforce.version
        key = (locality, need)
        found = self._fitting.get(key)
        if found is None:
            found = self._fitting[key] = fitting_managers(self.workforce, locality, need)
        return found

    def decide(
        self, referral: AcceptedReferral, *, override: TeamLeadOverride | None = None
    ) -> AssignmentDecision:
        """Decide who should hold a new referral, without changing anything."""
        return self._decide(referral, override=override, queue_behind_waiting=True)

    def decide_for_waiting(self, referral: AcceptedReferral) -> AssignmentDecision:
        """Decide for a patient already on the waiting list (they queue behind no one)."""
        return self._decide(referral, override=None, queue_behind_waiting=False)

    def _decide(
        self,
        referral: AcceptedReferral,
        *,
        override: TeamLeadOverride | None,
        queue_behind_waiting: bool,
    ) -> AssignmentDecision:
        locality = resolve_locality(self.workforce, referral)
        weight = case_weight(referral.tier)
        if override is not None:
            return self._overridden(referral, override, locality, weight)
        if referral.need_level is NeedLevel.MODERATE:
            team = self.workforce.integrated_team(locality)
            return AssignmentDecision(
                kind=DecisionKind.INTEGRATED_TEAM,
                locality=locality,
                weight=weight,
                team_id=team.team_id,
                why=f"moderate need: coordinated by the {team.name}, not a named caseload",
            )
        if referral.need_level is NeedLevel.MILD:
            return AssignmentDecision(
                kind=DecisionKind.SELF_CARE,
                locality=locality,
                weight=weight,
                why="mild need: self-care support and self-care led care planning",
            )
        return self._severe(referral, locality, weight, queue_behind_waiting=queue_behind_waiting)

    def _severe(
        self,
        referral: AcceptedReferral,
        locality: Locality,
        weight: int,
        *,
        queue_behind_waiting: bool,
    ) -> AssignmentDecision:
        need = referral.most_pressing_need
        candidates = severe_candidates(self.fitting(locality, need), self.ledger, weight)
        wanted = "/".join(NEED_PROFESSIONS[need])
        base = f"severe need, most pressing need {need} → {wanted} in {locality}"
        ahead = self.waiting.outranking((locality, need), referral.tier)
        if queue_behind_waiting and ahead:
            return self._waiting(
                locality,
                weight,
                candidates,
                f"{base}: {ahead} patient(s) of equal or higher priority already waiting",
            )
        chosen = next((c for c in candidates if c.has_capacity), None)
        if chosen is None:
            if not candidates:
                reason = f"{base}: no active case manager fits this need in the locality"
            else:
                reason = (
                    f"{base}: all {len(candidates)} fitting case managers are at capacity "
                    f"for a {weight}-point case"
                )
            return self._waiting(locality, weight, candidates, reason)
        with_room = sum(1 for c in candidates if c.has_capacity)
        fallback = (
            " (fallback: no one of that profession in the locality)"
            if chosen.fit is Fit.FALLBACK
            else ""
        )
        why = (
            f"{base}: {len(candidates)} fitting, {with_room} with capacity; chose {chosen.name} "
            f"({chosen.profession}, {chosen.fit} fit{fallback}), least utilised: "
            f"{chosen.load_points + weight}/{chosen.capacity_points} points "
            f"({chosen.utilisation_after:.0%}) after this {weight}-point case"
        )
        manager = self.workforce.case_manager(chosen.manager_id)
        return AssignmentDecision(
            kind=DecisionKind.CASE_MANAGER,
            locality=locality,
            weight=weight,
            why=why,
            case_manager=summary_of(manager),
            candidates=tuple(candidates),
        )

    @staticmethod
    def _waiting(
        locality: Locality, weight: int, candidates: list[CandidateScore], reason: str
    ) -> AssignmentDecision:
        return AssignmentDecision(
            kind=DecisionKind.WAITING_LIST,
            locality=locality,
            weight=weight,
            why=reason,
            candidates=tuple(candidates),
        )

    def _overridden(
        self,
        referral: AcceptedReferral,
        override: TeamLeadOverride,
        locality: Locality,
        weight: int,
    ) -> AssignmentDecision:
        if not override.reason.strip():
            raise OverrideReasonRequired("a team lead override needs a reason")
        manager = self.check_can_take(
            override.case_manager_id,
            weight=weight,
            locality=locality,
            out_of_locality_reason=override.out_of_locality_reason,
        )
        fit = fit_of(manager, referral.most_pressing_need) or Fit.OVERRIDE
        chosen = score(manager, fit, self.ledger, weight)
        where = (
            ""
            if manager.locality is locality
            else (f"; outside {locality} ({manager.locality}): {override.out_of_locality_reason}")
        )
        why = (
            f"team lead override by {override.decided_by}: {override.reason.strip()}{where}; "
            f"{manager.name} ({manager.profession}, {fit} fit) at "
            f"{chosen.load_points + weight}/{chosen.capacity_points} points after this case"
        )
        return AssignmentDecision(
            kind=DecisionKind.CASE_MANAGER,
            locality=locality,
            weight=weight,
            why=why,
            case_manager=summary_of(manager),
            candidates=(chosen,),
            overridden=True,
        )

    def check_can_take(
        self,
        manager_id: str,
        *,
        weight: int,
        locality: Locality,
        out_of_locality_reason: str | None = None,
    ) -> CaseManager:
        """A case manager able to take one more case of this weight for a patient here."""
        manager = self.workforce.case_manager(manager_id)
        if not manager.active:
            raise CaseManagerInactive(f"{manager.name} is not taking cases")
        if manager.locality is not locality and not (out_of_locality_reason or "").strip():
            raise OutOfLocalityNeedsReason(
                f"{manager.name} works in {manager.locality}, the patient is in {locality}: "
                "give a reason to assign outside the locality"
            )
        load = self.ledger.load_of(manager_id)
        if load.points + weight > manager.capacity_points:
            raise CaseManagerAtCapacity(
                f"{manager.name} carries {load.points}/{manager.capacity_points} points: "
                f"no room for a {weight}-point case"
            )
        return manager
