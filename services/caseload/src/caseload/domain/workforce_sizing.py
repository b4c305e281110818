"""A seeded default workforce sized to the seed's modelled case management numbers.

Sizing (documented assumption, the seed gives patient numbers but no workforce model):
- patients to hold per locality = modelled number (default: Appendix A 1-3 LTC projection,
  2,782 / 2,656 / 3,355 = 8,793) x ``scale`` (for a scaled-down synthetic county) x
  ``named_share`` (share of them with severe need, who get a named case manager; default 1.0,
  the upper bound, since the seed does not split its figure by need level);
- points = patients x 2.5 (severe caseloads assumed half Highest tier at 3 points, half High
  at 2), plus 15% headroom so new severe referrals are not waitlisted at steady state;
- one whole-time case manager carries 120 points (~40-60 complex patients, see capacity.py),
  so the default needs 8,793 x 2.5 x 1.15 / 120 = 210.7 WTE, about 240 people at the
  generator's FTE mix (mean 0.88).
Moderate need goes to each locality's integrated care team, mild to self-care support;
neither is a named caseload, so neither adds case managers here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from caseload.domain.capacity import CAPACITY_POINTS_PER_WTE, capacity_for_fte
from caseload.domain.modelled_numbers import ModelledBasis, modelled_case_management
from caseload.domain.vocabulary import Locality, Profession
from caseload.domain.workforce import (
    Team,
    TeamKind,
    Weekday,
    Workforce,
    WorkingPattern,
    new_case_manager,
)

MEAN_SEVERE_CASE_WEIGHT = 2.5
SIZING_HEADROOM = 0.15
MAX_TEAM_SIZE = 12
DEFAULT_SEED = 20190401

# Share of case managers per profession in the generated workforce.
PROFESSION_MIX: dict[Profession, float] = {
    Profession.COMMUNITY_NURSE: 0.30,
    Profession.COMMUNITY_MATRON: 0.20,
    Profession.SOCIAL_WORKER: 0.15,
    Profession.MENTAL_HEALTH_NURSE: 0.12,
    Profession.OCCUPATIONAL_THERAPIST: 0.08,
    Profession.PHYSIOTHERAPIST: 0.07,
    Profession.PHARMACIST: 0.08,
}
# Working patterns (FTE, days) and their shares; mean FTE 0.88.
PATTERN_MIX: tuple[tuple[WorkingPattern, float], ...] = (
    (WorkingPattern(1.0), 0.60),
    (WorkingPattern(0.8, frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU})), 0.25),
    (WorkingPattern(0.6, frozenset({Weekday.TUE, Weekday.WED, Weekday.THU})), 0.15),
)
MEAN_FTE = sum(p.fte * share for p, share in PATTERN_MIX)

_SKILLS: dict[Profession, tuple[str, ...]] = {
    Profession.COMMUNITY_NURSE: ("wound-care", "continence", "end-of-life"),
    Profession.COMMUNITY_MATRON: ("frailty", "end-of-life", "medicines"),
    Profession.SOCIAL_WORKER: ("safeguarding", "carers", "housing"),
    Profession.MENTAL_HEALTH_NURSE: ("dementia", "depression", "mental-health"),
    Profession.OCCUPATIONAL_THERAPIST: ("falls", "equipment", "therapy"),
    Profession.PHYSIOTHERAPIST: ("falls", "mobility", "therapy"),
    Profession.PHARMACIST: ("medicines", "polypharmacy", "prescribing"),
}
_FIRST = (
    "Alex",
    "Sam",
    "Jo",
    "Priya",
    "Tom",
    "Megan",
    "Rhys",
    "Aisha",
    "Owen",
    "Beth",
    "Kai",
    "Nia",
    "Dev",
    "Lucy",
    "Ian",
    "Cerys",
    "Amir",
    "Ruth",
    "Gwen",
    "Hugo",
)
_LAST = (
    "Jones",
    "Evans",
    "Price",
    "Morris",
    "Patel",
    "Hughes",
    "Lloyd",
    "Davies",
    "Owens",
    "Khan",
    "Pugh",
    "Baker",
    "Roberts",
    "Ellis",
    "Powell",
    "Shaw",
    "Wynne",
    "Green",
)


def required_wte(patients: float, *, headroom: float = SIZING_HEADROOM) -> float:
    """Whole-time case managers needed to hold this many severe-need patients."""
    return patients * MEAN_SEVERE_CASE_WEIGHT * (1 + headroom) / CAPACITY_POINTS_PER_WTE


def capacity_for_modelled_numbers(
    *,
    basis: ModelledBasis = ModelledBasis.PROJECTED_1_TO_3_LTC,
    scale: float = 1.0,
    named_share: float = 1.0,
    headroom: float = SIZING_HEADROOM,
) -> dict[Locality, int]:
    """Capacity points per locality that give the modelled numbers a named case manager."""
    return {
        locality: math.ceil(
            required_wte(n * scale * named_share, headroom=headroom) * CAPACITY_POINTS_PER_WTE
        )
        for locality, n in modelled_case_management(basis).items()
    }


@dataclass(frozen=True, slots=True)
class _Draft:
    profession: Profession
    pattern: WorkingPattern
    name: str
    skills: tuple[str, ...]


def _draft(rng: random.Random, i: int) -> _Draft:
    professions = list(PROFESSION_MIX)
    # The first seven cover every profession, so every need has a fitting manager.
    profession = (
        professions[i]
        if i < len(professions)
        else rng.choices(professions, list(PROFESSION_MIX.values()))[0]
    )
    pattern = rng.choices([p for p, _ in PATTERN_MIX], [s for _, s in PATTERN_MIX])[0]
    skills = _SKILLS[profession]
    return _Draft(
        profession=profession,
        pattern=pattern,
        name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        skills=tuple(rng.sample(skills, k=rng.randint(1, len(skills)))),
    )


def generate_workforce(
    managers_per_locality: Mapping[Locality, int] | None = None,
    *,
    capacity_per_locality: Mapping[Locality, int] | None = None,
    seed: int = DEFAULT_SEED,
) -> Workforce:
    """A deterministic synthetic workforce of a given head count, or enough for given capacity.

    Teams hold up to 12 case managers, each led by its first community matron; each locality
    gets an integrated care team and, from seven managers up (always when sized by capacity),
    every profession.
    """
    rng = random.Random(seed)
    workforce = Workforce()
    for locality in Locality:
        workforce.add_team(
            Team(
                f"ict-{locality}",
                f"{locality.title()} integrated care team",
                locality,
                TeamKind.INTEGRATED_CARE,
            )
        )
        drafts: list[_Draft] = []
        head_count = (managers_per_locality or {}).get(locality)
        target = (capacity_per_locality or {}).get(locality, 0)
        capacity = 0
        while (
            len(drafts) < head_count
            if head_count is not None
            else capacity < target or len(drafts) < len(PROFESSION_MIX)
        ):
            drafts.append(_draft(rng, len(drafts)))
            capacity += capacity_for_fte(drafts[-1].pattern.fte)
        teams = [
            workforce.add_team(
                Team(
                    f"cm-{locality}-{t + 1}",
                    f"{locality.title()} case management {t + 1}",
                    locality,
                    TeamKind.CASE_MANAGEMENT,
                )
            )
            for t in range(max(1, math.ceil(len(drafts) / MAX_TEAM_SIZE)))
        ]
        for i, d in enumerate(drafts):
            workforce.add_case_manager(
                new_case_manager(
                    manager_id=f"cm-{locality}-{i + 1:03d}",
                    name=d.name,
                    profession=d.profession,
                    team=teams[i % len(teams)],
                    pattern=d.pattern,
                    skills=d.skills,
                )
            )
        for team in teams:
            _appoint_lead(workforce, team.team_id)
    return workforce


def _appoint_lead(workforce: Workforce, team_id: str) -> None:
    """The team's first community matron leads it (else its first member)."""
    members = [m for m in workforce.case_managers if m.team_id == team_id]
    matrons = [m for m in members if m.profession is Profession.COMMUNITY_MATRON]
    if members:
        workforce.set_team_lead(team_id, (matrons or members)[0].manager_id)


def default_workforce(
    *,
    seed: int = DEFAULT_SEED,
    basis: ModelledBasis = ModelledBasis.PROJECTED_1_TO_3_LTC,
    scale: float = 1.0,
    named_share: float = 1.0,
) -> Workforce:
    """The development workforce, sized to the seed's modelled numbers (see module docstring)."""
    capacity = capacity_for_modelled_numbers(basis=basis, scale=scale, named_share=named_share)
    return generate_workforce(capacity_per_locality=capacity, seed=seed)
