"""Fixtures for the caseload domain: a fake clock, a small workforce and referral factories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count

import pytest

from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import AcceptedReferral
from caseload.domain.vocabulary import Locality, MostPressingNeed, NeedLevel, Profession, Tier
from caseload.domain.workforce import (
    Team,
    TeamKind,
    Workforce,
    WorkingPattern,
    new_case_manager,
)
from cch_contracts.clock import FakeClock

START = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def small_workforce() -> Workforce:
    """North: two nurses, a matron who prescribes, a social worker; Central: one nurse."""
    wf = Workforce()
    for loc in Locality:
        wf.add_team(
            Team(f"ict-{loc}", f"{loc.title()} integrated care team", loc, TeamKind.INTEGRATED_CARE)
        )
        wf.add_team(
            Team(f"cm-{loc}", f"{loc.title()} case management", loc, TeamKind.CASE_MANAGEMENT)
        )
    north, central = wf.team("cm-north"), wf.team("cm-central")
    full = WorkingPattern(1.0)
    for manager_id, name, profession, team, skills in (
        ("n-nurse-a", "Ann Nurse", Profession.COMMUNITY_NURSE, north, ()),
        ("n-nurse-b", "Ben Nurse", Profession.COMMUNITY_NURSE, north, ()),
        ("n-matron", "Meg Matron", Profession.COMMUNITY_MATRON, north, ("medicines",)),
        ("n-social", "Sol Worker", Profession.SOCIAL_WORKER, north, ()),
        ("c-nurse", "Cai Nurse", Profession.COMMUNITY_NURSE, central, ()),
    ):
        wf.add_case_manager(
            new_case_manager(
                manager_id=manager_id,
                name=name,
                profession=profession,
                team=team,
                pattern=full,
                skills=skills,
                capacity_points=6,
            )
        )
    return wf


@pytest.fixture
def workforce() -> Workforce:
    return small_workforce()


@pytest.fixture
def caseloads(workforce: Workforce) -> Caseloads:
    return Caseloads(workforce)


Referral = Callable[..., AcceptedReferral]


@pytest.fixture
def referral() -> Referral:
    """Build an accepted referral; each call is a new patient unless one is named."""
    numbers = count(1)

    def make(
        *,
        need_level: NeedLevel = NeedLevel.SEVERE,
        need: MostPressingNeed = MostPressingNeed.NURSING,
        tier: Tier | None = Tier.HIGH,
        locality: Locality = Locality.NORTH,
        practice_code: str | None = None,
        patient_key: str | None = None,
    ) -> AcceptedReferral:
        n = next(numbers)
        return AcceptedReferral(
            patient_key=patient_key or f"patient-{n}",
            need_level=need_level,
            locality=locality,
            most_pressing_need=need,
            tier=tier,
            practice_code=practice_code,
            referral_id=f"ref-{n}",
        )

    return make


@pytest.fixture
def case_ids() -> Callable[[], str]:
    numbers = count(1)
    return lambda: f"case-{next(numbers)}"
