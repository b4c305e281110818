"""P1's two yardsticks for the index stage: pycomorb, and a plain dense-matrix numpy pass.

All three start from the same EventTable at the same index date and produce HFRS and Charlson
(plus the age-adjusted Charlson) for every person; what each one's timing includes is spelled out
in `TIMINGS_INCLUDE`, which the benchmark writes into its report.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from pycomorb import comorbidity

from stratification.domain.indices.charlson import CHARLSON_CATEGORIES, charlson_age_points
from stratification.domain.indices.code_lookup import charlson_score_table, code_lookup
from stratification.domain.indices.hospital_frailty import HFRS_CATEGORIES, HFRS_WEIGHT_TENTHS
from stratification.domain.patient_activity import (
    DiagnosisHistory,
    EventKind,
    EventTable,
    age_in_years,
    to_datetime64,
    years_before,
)

TIMINGS_INCLUDE = {
    "index layout (at load)": (
        "DiagnosisHistory.of(events): pick the emergency admissions and register rows out of "
        "every event, flatten each admission's primary + secondary codes, group by person. "
        "Index-date independent; built once when the table is built (inside 'read back'), timed "
        "here again on its own."
    ),
    "index": (
        "compute_indices on the laid-out table: lookback and register windows for the index "
        "date, HFRS, Charlson, age-adjusted Charlson, LTC count and mask, frailty bands."
    ),
    "index (numpy baseline)": (
        "from the raw EventTable: window masks over every event, flattening of the windowed "
        "admissions' codes, then dense people x categories matrices for HFRS and Charlson "
        "(and the age-adjusted Charlson). No LTCs or bands."
    ),
    "pycomorb input preparation": (
        "from the raw EventTable: the same windows and flattening, ICD-10 codes written with dots, "
        "one polars frame per index (id, code, age), each person once more with a null code so "
        "everyone gets a row. Not part of 'pycomorb'."
    ),
    "pycomorb": (
        "comorbidity('hfrs', ...) + comorbidity('charlson', implementation='quan', "
        "weights='charlson') on those frames: pycomorb's own code-to-category matching, "
        "per-person aggregation and scoring, including the age-adjusted Charlson it always adds."
    ),
    "shared, timed on no side": (
        "the per-vocabulary code tables (code_lookup, a few hundred codes) that ours and the "
        "numpy pass read; pycomorb matches codes itself on every call."
    ),
}


def _windows(events: EventTable, index_date: date) -> tuple[np.ndarray, np.ndarray]:
    day = to_datetime64(index_date)
    start = to_datetime64(years_before(index_date, 2))
    hospital = (events.kind == EventKind.NEL) & (events.date >= start) & (events.date < day)
    registers = (events.kind == EventKind.CONDITION) & (events.date < day)
    return np.flatnonzero(hospital), np.flatnonzero(registers)


def _flatten(events: EventTable, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(person, code) of every primary and secondary diagnosis of the given event rows."""
    starts = events.secondary_offsets[rows]
    lengths = events.secondary_offsets[rows + 1] - starts
    first = np.cumsum(lengths) - lengths
    positions = np.repeat(starts - first, lengths) + np.arange(int(lengths.sum()))
    person = np.concatenate([events.person[rows], np.repeat(events.person[rows], lengths)])
    code = np.concatenate([events.primary[rows], events.secondary[positions]])
    return person, code


def numpy_baseline(events: EventTable, index_date: date, birth_date: np.ndarray) -> np.ndarray:
    """The same sums as dense people x categories matrices, the textbook numpy way."""
    lookup = code_lookup(events.codes)
    hospital_rows, register_rows = _windows(events, index_date)
    person, code = _flatten(events, hospital_rows)
    n = events.n_people
    frail = np.zeros((n, len(HFRS_CATEGORIES)), dtype=bool)
    category = lookup.hfrs_category[code]
    hit = category >= 0
    frail[person[hit], category[hit]] = True
    hfrs = np.round(frail @ HFRS_WEIGHT_TENTHS.astype(np.float64)) / 10.0

    person = np.concatenate([person, events.person[register_rows]])
    code = np.concatenate([code, events.primary[register_rows]])
    width = len(CHARLSON_CATEGORIES)
    # Each code's Charlson categories as (code, category) pairs, expanded per occurrence.
    code_categories = (lookup.charlson_bits[:, None] >> np.arange(width, dtype=np.uint64)) & 1
    per_code = code_categories.sum(axis=1).astype(np.int64)
    pair_start = np.cumsum(per_code) - per_code
    _, pair_category = np.nonzero(code_categories)
    pairs = per_code[code]
    matched = np.flatnonzero(pairs)
    counts = pairs[matched]
    occurrence = np.repeat(matched, counts)
    nth = np.arange(len(occurrence)) - np.repeat(np.cumsum(counts) - counts, counts)
    present = np.zeros((n, width), dtype=bool)
    present[person[occurrence], pair_category[pair_start[code[occurrence]] + nth]] = True
    mask = present.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))
    charlson = charlson_score_table()[mask]
    adjusted = charlson + charlson_age_points(age_in_years(birth_date, index_date))
    return np.stack([hfrs, charlson.astype(np.float64), adjusted.astype(np.float64)])


def pycomorb_frames(
    events: EventTable, index_date: date, birth_date: np.ndarray, people: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """pycomorb's input for some people (sorted ids): one row per diagnosis, codes with dots."""
    hospital_rows, register_rows = _windows(events, index_date)
    keep = np.zeros(events.n_people, dtype=bool)
    keep[people] = True
    dotted = np.array([c if len(c) <= 3 else f"{c[:3]}.{c[3:]}" for c in events.codes])
    ages = age_in_years(birth_date, index_date)

    def frame(rows: np.ndarray) -> pl.DataFrame:
        person, code = _flatten(events, rows[keep[events.person[rows]]])
        return pl.DataFrame(
            {
                "id": np.concatenate([person, people]).astype(np.int64),
                "code": dotted[code].tolist() + [None] * len(people),
                "age": np.concatenate([ages[person], ages[people]]).astype(np.int64),
            }
        )

    hospital = frame(hospital_rows)
    return hospital, frame(np.concatenate([hospital_rows, register_rows]))


def run_pycomorb(
    hfrs_input: pl.DataFrame, charlson_input: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    hfrs = comorbidity("hfrs", hfrs_input)
    charlson = comorbidity("charlson", charlson_input, implementation="quan", weights="charlson")
    return hfrs, charlson


def pycomorb_agrees(
    outputs: tuple[pl.DataFrame, pl.DataFrame],
    *,
    hfrs: np.ndarray,
    charlson: np.ndarray,
    adjusted: np.ndarray,
) -> bool:
    """Whether pycomorb's per-person results on the full rows equal ours, person by person."""
    theirs_hfrs, theirs_charlson = (frame.sort("id") for frame in outputs)
    if theirs_hfrs.height != len(hfrs) or theirs_charlson.height != len(charlson):
        return False
    return bool(
        np.allclose(theirs_hfrs["HFRS Score"].to_numpy(), hfrs, atol=1e-9)
        and np.array_equal(theirs_charlson["Charlson Comorbidity Index"].to_numpy(), charlson)
        and np.array_equal(theirs_charlson["Charlson Age-Comorbidity Score"].to_numpy(), adjusted)
    )


def layout(events: EventTable) -> DiagnosisHistory:
    """Rebuild the index layout the table already carries, to time it on its own."""
    return DiagnosisHistory.of(events)
