from __future__ import annotations

import csv
import json
from datetime import date

import numpy as np
from nhs_number.validate import is_valid

from stratification.domain.ingest_validation import (
    accept_activity_batch,
    accept_registry_batch,
)
from stratification.domain.patient_activity import EventKind
from stratification.domain.population import (
    ACTIVITY_COLUMNS,
    REGISTRY_COLUMNS,
    SyntheticPopulation,
    activity_rows,
    csv_lines,
    known_practice_codes,
    ndjson_lines,
    registry_rows,
)
from stratification.domain.population.nhs_numbers import (
    generate_nhs_numbers,
    mod11_check_digits,
)

TODAY = date(2025, 4, 1)


def test_vectorised_check_digit_agrees_with_the_nhs_number_package() -> None:
    numbers = generate_nhs_numbers(np.random.default_rng(1), 2_000)
    assert all(is_valid(str(n)) for n in numbers)
    bases = np.array([943476591, 401023213, 999999999], dtype=np.int64)
    assert mod11_check_digits(bases).tolist() == [9, 7, 9]


def test_registry_export_passes_ingest_validation(small_population: SyntheticPopulation) -> None:
    rows = list(registry_rows(small_population))
    records = accept_registry_batch(
        rows, known_practices=known_practice_codes(small_population), today=TODAY
    )
    assert len(records) == small_population.size
    assert set(rows[0]) == set(REGISTRY_COLUMNS)


def test_activity_export_passes_ingest_validation(small_population: SyntheticPopulation) -> None:
    rows = list(activity_rows(small_population))
    records = accept_activity_batch(
        rows, known_practices=known_practice_codes(small_population), today=TODAY
    )
    assert len(records) == len(small_population.events)
    nel = [r for r in records if r.kind is EventKind.NEL]
    assert any(r.icd10_secondary for r in nel)


def test_activity_rows_carry_semicolon_separated_secondary_codes(
    small_population: SyntheticPopulation,
) -> None:
    events = small_population.events
    row = int(np.flatnonzero(np.diff(events.secondary_offsets) >= 2)[0])
    [exported] = list(activity_rows(small_population, rows=slice(row, row + 1)))
    expected = [c.replace(".", "") for c in exported["icd10_secondary"].split(";")]
    assert expected == events.secondary_codes_of(row)
    assert exported["kind"] == "nel"


def test_csv_and_ndjson_lines_round_trip(small_population: SyntheticPopulation) -> None:
    rows = list(activity_rows(small_population, rows=slice(0, 50)))
    parsed_csv = list(csv.DictReader(csv_lines(rows, ACTIVITY_COLUMNS)))
    parsed_json = [json.loads(line) for line in ndjson_lines(rows)]
    assert parsed_csv == rows
    assert parsed_json == rows
