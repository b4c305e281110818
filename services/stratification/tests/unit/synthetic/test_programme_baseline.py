from __future__ import annotations

import numpy as np

from stratification.domain.avoidability import Avoidability, classify_admissions
from stratification.domain.patient_activity import EventKind
from stratification.domain.population import Locality, SyntheticPopulation, nel_baseline
from stratification.domain.population.calibration import nel_targets


def test_default_county_reproduces_seed_65_plus_nel_figures(
    county_population: SyntheticPopulation,
) -> None:
    baseline = nel_baseline(county_population, county_population.financial_years[-1])
    assert baseline.aged_65_plus == 73_287
    assert baseline.nel_65_plus == 14_556
    assert [baseline.nel_by_ltc_count[k] for k in (1, 2, 3)] == [3_481, 3_299, 2_207]
    assert baseline.nel_by_avoidability == {
        Avoidability.USUALLY: 2_963,
        Avoidability.SOMETIMES: 2_085,
        Avoidability.NOT: 9_508,
    }
    assert baseline.aged_65_plus_by_locality == {
        Locality.NORTH: 23_190,
        Locality.CENTRAL: 22_135,
        Locality.SOUTH: 27_962,
    }


def test_about_four_in_five_of_the_65_plus_have_a_long_term_condition(
    county_population: SyntheticPopulation,
) -> None:
    baseline = nel_baseline(county_population, county_population.financial_years[-1])
    assert 0.75 < baseline.aged_65_plus_with_ltc / baseline.aged_65_plus < 0.85


def test_earlier_years_scale_the_seed_to_that_years_65_plus_cohort(
    small_population: SyntheticPopulation,
) -> None:
    for year in small_population.financial_years:
        baseline = nel_baseline(small_population, year)
        targets = nel_targets(baseline.aged_65_plus)
        assert baseline.nel_65_plus == targets.total
        assert {k: baseline.nel_by_ltc_count[k] for k in (1, 2, 3)} == targets.by_ltc_count
        assert baseline.nel_by_avoidability[Avoidability.USUALLY] == targets.usually
        assert baseline.nel_by_avoidability[Avoidability.SOMETIMES] == targets.sometimes


def test_generated_avoidability_agrees_with_the_primary_code_rule(
    small_population: SyntheticPopulation,
) -> None:
    events = small_population.events
    nel = events.kind == EventKind.NEL
    by_rule = classify_admissions(events.primary[nel], events.codes)
    assert np.array_equal(by_rule, small_population.nel_avoidability[nel])
