"""The seed's programme modelling tables, recomputed from their inputs, figure by figure."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from stratification.domain.errors import InvalidModellingInputs
from stratification.domain.population.localities import Locality
from stratification.domain.programme_inputs import (
    SEED_SERVICE_ALLOCATION,
    ModellingInputs,
    ResourceRoute,
    Table1Measure,
    scale_allocation,
)
from stratification.domain.programme_modelling import (
    ProgrammeModel,
    compute_programme_model,
    round_half_up,
    truncate,
)

N, C, S = Locality.NORTH, Locality.CENTRAL, Locality.SOUTH
YEARS = ("2019/20", "2020/21", "2021/22")


@pytest.fixture(scope="module")
def seed_model() -> ProgrammeModel:
    return compute_programme_model(ModellingInputs())


def test_seed_tables_reproduced_to_the_unit(seed_model: ProgrammeModel) -> None:
    m = seed_model

    # Appendix A, Table 1. Two figures are NOT derivable by any single consistent arithmetic from
    # the stated inputs and are carried as stated inputs (asserted separately below):
    # South 2019/20 target 298 (derived 299) and the 2020/21 target total 1,772 (rows sum 1,774).
    table_1 = {
        row.locality: (
            row.aged_65_plus,
            row.aged_65_plus_with_ltc,
            *[(row.years[y].case_management, row.years[y].target) for y in YEARS],
        )
        for row in (*m.appendix_a_table_1.rows, m.appendix_a_table_1.total)
    }
    assert table_1 == {
        N: (23_190, 19_233, (1430, 286), (2383, 572), (2454, 687)),
        C: (22_135, 17_442, (1510, 302), (2517, 604), (2589, 725)),
        S: (27_962, 22_034, (1490, 298), (2492, 598), (2564, 718)),
        None: (73_287, 58_709, (4430, 886), (7392, 1772), (7607, 2130)),
    }

    # Total NEL admissions August 16 - July 17 and the 20.6% share.
    a = m.avoidability
    assert (a.total, a.unavoidable, a.sometimes_avoidable, a.usually_avoidable) == (
        14_556,
        9_508,
        2_085,
        2_963,
    )
    assert a.target == 3000
    assert a.target_percent_of_total == Decimal("20.6")

    # 65+ NEL admissions with between 1 and 3 LTCs.
    ltc = m.ltc_targets
    assert [
        (r.ltc_count, r.nel_admissions, r.target_percent, r.admission_avoidance) for r in ltc.rows
    ] == [
        (1, 3_481, Decimal(45), 1566),
        (2, 3_299, Decimal("33.4"), 1102),
        (3, 2_207, Decimal(15), 331),
    ]
    assert ltc.nel_admissions == 8_987
    assert ltc.required_percent == Decimal("33.4")

    # Numbers for case management based upon projected volume of people with 1-3 LTCs.
    cm = m.case_management
    assert [(r.locality, r.population_percent, r.numbers) for r in (*cm.rows, cm.total)] == [
        (N, Decimal("31.6"), 2_782),
        (C, Decimal("30.2"), 2_656),
        (S, Decimal("38.2"), 3_355),
        (None, Decimal(100), 8_793),
    ]

    # Optimity / Optimality resource table (printed twice in the seed, identically).
    res = m.resources
    assert [(r.route, r.usually, r.sometimes, r.total) for r in (*res.rows, res.total)] == [
        (ResourceRoute.HOSPITAL_AT_HOME, 1093, 48, 1141),
        (ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS, 1796, 1215, 3011),
        (ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS_OR_ADMISSION, 0, 464, 464),
        (ResourceRoute.CRISIS, 72, 0, 72),
        (ResourceRoute.CRISIS_OR_ADMISSION, 0, 358, 358),
        (None, 2963, 2085, 5048),
    ]

    # The 808 Hospital at Home share and the 64.2% / 35.8% split.
    split = m.service_split
    assert split.hospital_at_home_share_of_either == 808
    assert split.hospital_at_home_percent == Decimal("64.2")
    assert split.crisis_response_percent == Decimal("35.8")

    # Overview of projected model for achieving target 3000 AA's per year.
    ov = m.overview
    assert [
        (
            r.locality,
            r.population_percent,
            r.case_management,
            r.target,
            r.hospital_at_home,
            r.crisis_response,
        )
        for r in (*ov.rows, ov.total)
    ] == [
        (N, Decimal("31.6"), 2_782, 948, 609, 339),
        (C, Decimal("30.2"), 2_656, 906, 582, 324),
        (S, Decimal("38.2"), 3_355, 1146, 736, 410),
        (None, Decimal(100), 8_793, 3000, 1927, 1073),
    ]


def test_only_the_two_underivable_table_1_figures_are_carried_as_stated(
    seed_model: ProgrammeModel,
) -> None:
    # Explicit: these two seed figures are NOT derived; the model carries them as stated inputs.
    found = {(d.cell, d.derived, d.stated) for d in seed_model.discrepancies}
    assert found == {
        ("2019/20 south nel-admission-avoidance-target", 299, 298),
        ("2020/21 total nel-admission-avoidance-target", 1774, 1772),
    }


def test_without_stated_figures_table_1_follows_the_arithmetic_throughout() -> None:
    model = compute_programme_model(ModellingInputs(table_1_stated=()))
    south = model.appendix_a_table_1.rows[2].years["2019/20"]
    assert (south.case_management, south.target) == (1495, 299)
    assert model.appendix_a_table_1.total.years["2020/21"].target == 1774
    assert model.discrepancies == ()


def test_resource_total_row_is_the_classification_with_two_usually_avoidable_unallocated(
    seed_model: ProgrammeModel,
) -> None:
    assert sum(r.usually for r in seed_model.resources.rows) == 2961
    assert seed_model.resources.unallocated_usually == 2
    assert seed_model.resources.unallocated_sometimes == 0


def test_case_management_numbers_truncate_rather_than_round() -> None:
    # 23,190 x 240/1000 x 50% = 2,782.8: the seed prints 2,782.
    assert truncate(Decimal("2782.8")) == 2782
    assert round_half_up(Decimal("2782.8")) == 2783


def test_rounding_is_half_away_from_zero_as_in_excel() -> None:
    assert round_half_up(Decimal("0.5")) == 1
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("1566.45")) == 1566


def test_target_defaults_to_usually_avoidable_to_the_nearest_hundred() -> None:
    assert (
        compute_programme_model(ModellingInputs(nel_usually_avoidable=3_051)).avoidability.target
        == 3100
    )
    stated = ModellingInputs(target_admission_avoidance=2689)
    assert compute_programme_model(stated).avoidability.target == 2689


def test_a_populations_own_counts_run_through_the_same_method() -> None:
    inputs = ModellingInputs.from_counts(
        aged_65_plus={N: 2_319, C: 2_213, S: 2_796},
        aged_65_plus_with_ltc={N: 1_923, C: 1_744, S: 2_203},
        nel_by_ltc_count={0: 120, 1: 348, 2: 330, 3: 221, 4: 80},
        nel_unavoidable=951,
        nel_sometimes_avoidable=208,
        nel_usually_avoidable=296,
    )
    model = compute_programme_model(inputs)
    assert model.discrepancies == ()
    assert model.avoidability.total == 1_455
    assert model.avoidability.target == 300
    assert model.ltc_targets.nel_admissions == 899
    assert [r.ltc_count for r in model.ltc_targets.rows] == [1, 2, 3]
    assert sum(inputs.nel_1_to_3_ltc_by_locality.values()) == 899
    assert model.resources.unallocated_usually == 0
    assert model.resources.total.usually == sum(r.usually for r in model.resources.rows)
    assert model.case_management.total.numbers == sum(r.numbers for r in model.case_management.rows)
    assert model.case_management.rows[0].numbers == 278  # TRUNC(2,319 x 0.12 = 278.28)
    assert model.overview.total.target == sum(r.target for r in model.overview.rows)
    assert (
        model.service_split.hospital_at_home_percent + model.service_split.crisis_response_percent
        == 100
    )


def test_seed_allocation_scales_to_other_counts_exactly() -> None:
    rows = scale_allocation(SEED_SERVICE_ALLOCATION, usually=2_963, sometimes=2_085)
    assert sum(r.usually for r in rows) == 2_963
    assert [r.sometimes for r in rows] == [r.sometimes for r in SEED_SERVICE_ALLOCATION]


def test_inputs_missing_a_locality_are_refused() -> None:
    with pytest.raises(InvalidModellingInputs):
        ModellingInputs(aged_65_plus={N: 1, C: 2})


def test_stated_figure_for_an_unknown_year_is_refused() -> None:
    inputs = ModellingInputs()
    bad = replace(inputs.table_1_stated[0], year="2030/31", measure=Table1Measure.TARGET)
    with pytest.raises(InvalidModellingInputs):
        compute_programme_model(replace(inputs, table_1_stated=(bad,)))


def test_routes_given_more_than_the_classified_admissions_are_refused() -> None:
    with pytest.raises(InvalidModellingInputs):
        compute_programme_model(ModellingInputs(nel_usually_avoidable=100))
