"""Vectorised indices must equal pycomorb's on every patient of a generated population."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from pycomorb import comorbidity

from stratification.domain.indices import compute_indices
from stratification.domain.patient_activity import EventKind, age_in_years
from stratification.domain.population import SyntheticPopulation, generate_population

INDEX_DATE = date(2024, 4, 1)
LOOKBACK_START = np.datetime64("2022-04-01")


def _diagnosis_rows(
    population: SyntheticPopulation, selected: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Every diagnosis position of the selected events, codes written with dots."""
    events = population.events
    rows = np.flatnonzero(selected)
    starts, ends = events.secondary_offsets[rows], events.secondary_offsets[rows + 1]
    secondary_rows = np.repeat(rows, ends - starts)
    secondary_codes = np.concatenate(
        [events.secondary[s:e] for s, e in zip(starts, ends, strict=True)] or [np.empty(0, int)]
    )
    person = np.concatenate([events.person[rows], events.person[secondary_rows]])
    code_ids = np.concatenate([events.primary[rows], secondary_codes]).astype(int)
    dotted = [c if len(c) <= 3 else f"{c[:3]}.{c[3:]}" for c in events.codes]
    return person, [dotted[c] for c in code_ids]


def _pycomorb_input(population: SyntheticPopulation, selected: np.ndarray) -> pl.DataFrame:
    person, codes = _diagnosis_rows(population, selected)
    ages = age_in_years(population.birth_date, INDEX_DATE)
    everyone = np.arange(population.size)
    return pl.DataFrame(
        {
            "id": np.concatenate([person, everyone]).astype(np.int64),
            "code": codes + [None] * population.size,
            "age": np.concatenate([ages[person], ages]).astype(np.int64),
        }
    )


def _assert_agreement(population: SyntheticPopulation) -> None:
    events = population.events
    index_day = np.datetime64(INDEX_DATE)
    hospital = (
        (events.kind == EventKind.NEL) & (events.date >= LOOKBACK_START) & (events.date < index_day)
    )
    registers = (events.kind == EventKind.CONDITION) & (events.date < index_day)

    ours = compute_indices(events, index_date=INDEX_DATE, birth_date=population.birth_date)

    hfrs = comorbidity("hfrs", _pycomorb_input(population, hospital)).sort("id")
    charlson = comorbidity(
        "charlson",
        _pycomorb_input(population, hospital | registers),
        implementation="quan",
        weights="charlson",
    ).sort("id")

    assert hfrs["id"].to_list() == list(range(population.size))
    np.testing.assert_allclose(ours.hfrs, hfrs["HFRS Score"].to_numpy(), atol=1e-9)
    assert np.array_equal(ours.charlson, charlson["Charlson Comorbidity Index"].to_numpy())
    assert ours.charlson_age_adjusted is not None
    assert np.array_equal(
        ours.charlson_age_adjusted, charlson["Charlson Age-Comorbidity Score"].to_numpy()
    )
    # The comparison must not be vacuous: plenty of patients score on each index.
    assert (ours.hfrs > 5).sum() > population.size * 0.005
    assert (ours.charlson >= 3).sum() > population.size * 0.02


def test_indices_agree_with_pycomorb_on_every_patient_of_5000(
    small_population: SyntheticPopulation,
) -> None:
    _assert_agreement(small_population)


@pytest.mark.slow
def test_indices_agree_with_pycomorb_on_every_patient_of_100000() -> None:
    _assert_agreement(generate_population(size=100_000, seed=11))


def _every_code() -> list[str]:
    """Every 3-character code A00-Z99 and each of its ten 4-character children."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    three = [f"{letter}{n:02d}" for letter in letters for n in range(100)]
    return three + [f"{code}{d}" for code in three for d in range(10)]


def test_code_tables_score_every_possible_code_as_pycomorb_does() -> None:
    from stratification.domain.patient_activity import EventTable

    codes = tuple(_every_code())
    n = len(codes)
    admissions = EventTable(
        n_people=n,
        person=np.arange(n, dtype=np.int32),
        date=np.full(n, np.datetime64("2023-06-01")),
        kind=np.full(n, EventKind.NEL, dtype=np.int8),
        primary=np.arange(n, dtype=np.int32),
        secondary_offsets=np.zeros(n + 1, dtype=np.int64),
        secondary=np.empty(0, dtype=np.int32),
        codes=codes,
    )
    ours = compute_indices(admissions, index_date=INDEX_DATE)
    frame = pl.DataFrame({"id": np.arange(n), "code": list(codes), "age": np.zeros(n, int)})
    hfrs = comorbidity("hfrs", frame).sort("id")
    charlson = comorbidity("charlson", frame, implementation="quan", weights="charlson").sort("id")
    np.testing.assert_allclose(ours.hfrs, hfrs["HFRS Score"].to_numpy(), atol=1e-9)
    assert np.array_equal(ours.charlson, charlson["Charlson Comorbidity Index"].to_numpy())
