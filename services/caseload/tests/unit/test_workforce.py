"""Workforce: teams, case managers, capacity rules, practices and the seeded default workforce."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caseload.domain.capacity import CAPACITY_POINTS_PER_WTE, capacity_for_fte
from caseload.domain.errors import (
    CapacityBelowLoad,
    InvalidWorkforce,
    UnknownLocality,
    UnknownNeed,
    UnknownPractice,
    UnknownTeam,
)
from caseload.domain.modelled_numbers import PROJECTED_CASE_MANAGEMENT
from caseload.domain.vocabulary import (
    Locality,
    MostPressingNeed,
    Profession,
    parse_locality,
    parse_need,
)
from caseload.domain.workforce import (
    Team,
    TeamKind,
    Weekday,
    Workforce,
    WorkingPattern,
    new_case_manager,
)
from caseload.domain.workforce_sizing import (
    MEAN_SEVERE_CASE_WEIGHT,
    capacity_for_modelled_numbers,
    default_workforce,
    generate_workforce,
)


def test_capacity_is_pro_rata_to_whole_time_equivalent(workforce: Workforce):
    team = workforce.team("cm-south")
    manager = new_case_manager(
        manager_id="s-1",
        name="Sid",
        profession=Profession.PHARMACIST,
        team=team,
        pattern=WorkingPattern(0.6, frozenset({Weekday.MON, Weekday.TUE, Weekday.WED})),
    )
    assert manager.capacity_points == capacity_for_fte(0.6) == 72
    assert manager.locality is Locality.SOUTH
    assert CAPACITY_POINTS_PER_WTE // 3 == 40 and CAPACITY_POINTS_PER_WTE // 2 == 60


def test_capacity_cannot_be_cut_below_the_current_load(workforce):
    with pytest.raises(CapacityBelowLoad) as err:
        workforce.set_capacity("n-nurse-a", 4, current_load_points=5)
    assert err.value.code == "capacity-below-load"
    assert workforce.set_capacity("n-nurse-a", 5, current_load_points=5).capacity_points == 5


def test_going_part_time_below_the_current_load_is_refused(workforce):
    with pytest.raises(CapacityBelowLoad):
        workforce.set_working_pattern("n-nurse-a", WorkingPattern(0.5), current_load_points=70)
    changed = workforce.set_working_pattern(
        "n-nurse-a", WorkingPattern(0.5), current_load_points=10
    )
    assert changed.capacity_points == 60 and changed.pattern.fte == 0.5


@pytest.mark.parametrize("fte", [0, -0.2, 1.2])
def test_fte_must_be_above_zero_and_at_most_one(fte):
    with pytest.raises(InvalidWorkforce):
        WorkingPattern(fte)


def test_a_working_pattern_needs_a_day():
    with pytest.raises(InvalidWorkforce):
        WorkingPattern(0.5, frozenset())


def test_unknown_locality_is_a_typed_error():
    assert parse_locality(" North ") is Locality.NORTH
    with pytest.raises(UnknownLocality) as err:
        parse_locality("west")
    assert err.value.code == "unknown-locality"


def test_most_pressing_need_defaults_to_nursing_and_unknown_is_refused():
    assert parse_need(None) is MostPressingNeed.NURSING
    assert parse_need("Mental-Health") is MostPressingNeed.MENTAL_HEALTH
    with pytest.raises(UnknownNeed):
        parse_need("housing")


def test_practices_belong_to_a_locality(workforce):
    workforce.map_practice("m82005", "south")
    assert workforce.locality_of_practice("M82005") is Locality.SOUTH
    with pytest.raises(UnknownPractice):
        workforce.locality_of_practice("M82999")
    with pytest.raises(UnknownLocality):
        workforce.map_practice("M82006", "east")


def test_case_manager_joins_a_case_management_team_of_their_locality(workforce):
    ict = workforce.team("ict-north")
    with pytest.raises(InvalidWorkforce):
        workforce.add_case_manager(
            new_case_manager(
                manager_id="x",
                name="X",
                profession=Profession.SOCIAL_WORKER,
                team=ict,
                pattern=WorkingPattern(1.0),
            )
        )
    north = workforce.team("cm-north")
    misplaced = new_case_manager(
        manager_id="y",
        name="Y",
        profession=Profession.SOCIAL_WORKER,
        team=north,
        pattern=WorkingPattern(1.0),
    )
    with pytest.raises(InvalidWorkforce):
        workforce.add_case_manager(replace(misplaced, locality=Locality.SOUTH))
    with pytest.raises(UnknownTeam):
        workforce.team("cm-west")


def test_ids_are_unique_and_each_locality_has_one_integrated_care_team(workforce):
    with pytest.raises(InvalidWorkforce):
        workforce.add_team(Team("ict-2", "Another", Locality.NORTH, TeamKind.INTEGRATED_CARE))
    with pytest.raises(InvalidWorkforce):
        workforce.add_case_manager(workforce.case_manager("n-nurse-a"))


def test_default_workforce_has_capacity_for_the_appendix_a_numbers():
    wf = default_workforce()
    for locality, patients in PROJECTED_CASE_MANAGEMENT.items():
        capacity = sum(m.capacity_points for m in wf.managers_in(locality))
        assert capacity >= patients * MEAN_SEVERE_CASE_WEIGHT * 1.15
        assert capacity < patients * MEAN_SEVERE_CASE_WEIGHT * 1.15 + CAPACITY_POINTS_PER_WTE
    assert 200 <= len(wf.case_managers) <= 280


def test_default_workforce_is_deterministic_for_a_seed():
    a, b = default_workforce(seed=7), default_workforce(seed=7)
    assert a.case_managers == b.case_managers
    assert a.case_managers != default_workforce(seed=8).case_managers


def test_every_locality_has_every_profession_an_ict_and_team_leads():
    wf = generate_workforce({Locality.NORTH: 30, Locality.CENTRAL: 30, Locality.SOUTH: 30})
    for locality in Locality:
        assert {m.profession for m in wf.managers_in(locality)} == set(Profession)
        assert wf.integrated_team(locality).kind is TeamKind.INTEGRATED_CARE
    case_teams = [t for t in wf.teams if t.kind is TeamKind.CASE_MANAGEMENT]
    assert len(case_teams) == 9 and all(t.lead_id for t in case_teams)


def test_workforce_sizing_scales_with_the_synthetic_population():
    full = capacity_for_modelled_numbers()
    assert full[Locality.SOUTH] > full[Locality.NORTH] > full[Locality.CENTRAL]
    assert sum(full.values()) == pytest.approx(8793 * 2.5 * 1.15, abs=3)
    tenth = default_workforce(scale=0.1)
    assert 20 <= len(tenth.case_managers) <= 30


def test_a_small_scaled_workforce_still_covers_every_profession():
    wf = default_workforce(scale=0.01)
    for locality in Locality:
        assert {m.profession for m in wf.managers_in(locality)} == set(Profession)
