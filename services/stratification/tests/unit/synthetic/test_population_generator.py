from __future__ import annotations

import re

import numpy as np
import pytest
from nhs_number.validate import is_valid

from stratification.domain.patient_activity import EventKind, age_in_years
from stratification.domain.population import (
    LOCALITY_SHARES,
    Locality,
    SyntheticPopulation,
    generate_population,
    load_shropshire_postcodes,
)
from stratification.domain.population.clinical_codes import VOCABULARY
from stratification.domain.population.demography import aged_65_plus_count


def _same(a: SyntheticPopulation, b: SyntheticPopulation) -> bool:
    return (
        np.array_equal(a.nhs_number, b.nhs_number)
        and np.array_equal(a.birth_date, b.birth_date)
        and np.array_equal(a.practice, b.practice)
        and np.array_equal(a.events.person, b.events.person)
        and np.array_equal(a.events.primary, b.events.primary)
        and np.array_equal(a.events.secondary, b.events.secondary)
    )


def test_same_seed_builds_the_same_county() -> None:
    assert _same(generate_population(size=1_500, seed=3), generate_population(size=1_500, seed=3))


def test_different_seed_builds_a_different_county() -> None:
    assert not _same(
        generate_population(size=1_500, seed=3), generate_population(size=1_500, seed=4)
    )


def test_every_nhs_number_is_unique_and_passes_modulus_11(
    small_population: SyntheticPopulation,
) -> None:
    numbers = small_population.nhs_number
    assert len(np.unique(numbers)) == len(numbers)
    assert all(is_valid(str(n)) for n in numbers)


def test_older_county_holds_the_seed_share_aged_65_plus(
    small_population: SyntheticPopulation,
) -> None:
    census = small_population.financial_years[-1].start
    older = int((age_in_years(small_population.birth_date, census) >= 65).sum())
    assert older == aged_65_plus_count(small_population.size)
    assert 0.23 < older / small_population.size < 0.25


def test_locality_populations_match_programme_shares(
    small_population: SyntheticPopulation,
) -> None:
    counts = np.bincount(small_population.locality, minlength=3)
    for loc in Locality:
        assert counts[loc.code] == pytest.approx(
            LOCALITY_SHARES[loc] * small_population.size, abs=1
        )


def test_north_locality_lies_north_of_central_and_south(
    small_population: SyntheticPopulation,
) -> None:
    northing = small_population.northing
    mean = [northing[small_population.locality == loc.code].mean() for loc in Locality]
    assert mean[Locality.NORTH.code] > mean[Locality.CENTRAL.code] > mean[Locality.SOUTH.code]


def test_patients_live_in_their_practice_locality(small_population: SyntheticPopulation) -> None:
    practice_locality = small_population.practices.locality[small_population.practice]
    assert np.array_equal(practice_locality, small_population.locality)


def test_forty_practices_with_ods_format_codes(small_population: SyntheticPopulation) -> None:
    codes = small_population.practices.code
    assert len(set(codes)) == 40
    assert all(re.fullmatch(r"[A-Z]\d{5}", c) for c in codes)


def test_patients_have_real_shropshire_postcodes(small_population: SyntheticPopulation) -> None:
    gazetteer = load_shropshire_postcodes()
    assert len(gazetteer) > 10_000
    postcodes = set(gazetteer.postcode[small_population.postcode_index])
    assert postcodes <= set(gazetteer.postcode)
    assert all(p[:2] in {"SY", "TF", "WV", "WR", "DY", "ST"} for p in postcodes)


def test_events_are_ordered_by_person_then_date(small_population: SyntheticPopulation) -> None:
    events = small_population.events
    key = events.person.astype(np.int64) * 100_000 + (
        events.date - np.datetime64("1900-01-01")
    ).astype(np.int64)
    assert np.all(np.diff(key) >= 0)


def test_only_admissions_carry_secondary_diagnoses(small_population: SyntheticPopulation) -> None:
    events = small_population.events
    has_secondary = np.diff(events.secondary_offsets) > 0
    assert has_secondary.any()
    assert np.all(events.kind[has_secondary] == EventKind.NEL)


def test_activity_spans_every_kind_and_the_four_financial_years(
    small_population: SyntheticPopulation,
) -> None:
    events = small_population.events
    assert set(np.unique(events.kind)) == {k.value for k in EventKind}
    nel_days = events.date[events.kind == EventKind.NEL]
    assert nel_days.min() >= np.datetime64("2021-04-01")
    assert nel_days.max() <= np.datetime64("2025-03-31")


def test_admissions_record_frailty_and_ambulatory_care_codes(
    small_population: SyntheticPopulation,
) -> None:
    events = small_population.events
    nel = events.kind == EventKind.NEL
    secondary = {events.codes[c] for c in events.secondary}
    primary = {events.codes[c] for c in events.primary[nel]}
    assert {"R296", "W19", "F059"} & secondary
    assert {"J441", "I500", "N390", "L031"} & primary


def test_vocabulary_fits_the_sort_key() -> None:
    assert len(VOCABULARY) < 4096


def test_one_person_is_never_admitted_twice_on_one_day(
    small_population: SyntheticPopulation,
) -> None:
    events = small_population.events
    nel = events.kind == EventKind.NEL
    key = events.person[nel].astype(np.int64) * 100_000 + (
        events.date[nel] - np.datetime64("1900-01-01")
    ).astype(np.int64)
    assert len(np.unique(key)) == len(key)


def test_hidden_risk_this_year_predicts_admissions_next_year(
    small_population: SyntheticPopulation,
) -> None:
    events = small_population.events
    years = small_population.financial_years
    nel = events.kind == EventKind.NEL
    in_next = (
        nel
        & (events.date >= np.datetime64(years[2].start))
        & (events.date <= np.datetime64(years[2].end))
    )
    in_this = (
        nel
        & (events.date >= np.datetime64(years[1].start))
        & (events.date <= np.datetime64(years[1].end))
    )
    admitted_next = np.bincount(events.person[in_next], minlength=small_population.size)
    admitted_this = np.bincount(events.person[in_this], minlength=small_population.size) > 0
    risk_this = small_population.true_risk[:, 1]
    high_risk = risk_this > np.quantile(risk_this, 0.9)
    assert admitted_next[high_risk].mean() > 3 * admitted_next[~high_risk].mean()
    assert admitted_next[admitted_this].mean() > 2 * admitted_next[~admitted_this].mean()


@pytest.mark.slow
def test_a_million_people_generate_in_well_under_a_minute() -> None:
    import time

    started = time.perf_counter()
    population = generate_population(size=1_000_000)
    assert time.perf_counter() - started < 40
    assert population.size == 1_000_000
