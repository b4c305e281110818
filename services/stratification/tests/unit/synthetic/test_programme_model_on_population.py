"""Programme modelling run on a synthetic population's own counts, as a live run does."""

from __future__ import annotations

from decimal import Decimal

from stratification.domain.avoidability import Avoidability
from stratification.domain.population import NelBaseline, SyntheticPopulation, nel_baseline
from stratification.domain.programme_inputs import ModellingInputs
from stratification.domain.programme_modelling import ProgrammeModel, compute_programme_model


def model_of(baseline: NelBaseline) -> ProgrammeModel:
    return compute_programme_model(
        ModellingInputs.from_counts(
            aged_65_plus=baseline.aged_65_plus_by_locality,
            aged_65_plus_with_ltc=baseline.aged_65_plus_with_ltc,
            nel_by_ltc_count=baseline.nel_by_ltc_count,
            nel_unavoidable=baseline.nel_by_avoidability[Avoidability.NOT],
            nel_sometimes_avoidable=baseline.nel_by_avoidability[Avoidability.SOMETIMES],
            nel_usually_avoidable=baseline.nel_by_avoidability[Avoidability.USUALLY],
        )
    )


def test_default_county_counts_reproduce_the_seed_headline_tables(
    county_population: SyntheticPopulation,
) -> None:
    model = model_of(nel_baseline(county_population, county_population.financial_years[-1]))
    assert model.avoidability.target == 3000
    assert model.avoidability.target_percent_of_total == Decimal("20.6")
    assert [r.admission_avoidance for r in model.ltc_targets.rows] == [1566, 1102, 331]
    assert [r.numbers for r in model.case_management.rows] == [2782, 2656, 3355]
    assert model.service_split.hospital_at_home_percent == Decimal("64.2")
    overview = [(r.target, r.hospital_at_home, r.crisis_response) for r in model.overview.rows]
    assert overview == [(948, 609, 339), (906, 582, 324), (1146, 736, 410)]


def test_a_small_practice_population_gets_its_own_consistent_tables(
    small_population: SyntheticPopulation,
) -> None:
    baseline = nel_baseline(small_population, small_population.financial_years[-1])
    model = model_of(baseline)
    assert model.avoidability.total == baseline.nel_65_plus
    assert model.discrepancies == ()
    assert model.resources.unallocated_usually == 0
    assert model.overview.total.target == sum(r.target for r in model.overview.rows)
    total_65 = sum(baseline.aged_65_plus_by_locality.values())
    assert model.appendix_a_table_1.total.aged_65_plus == total_65
