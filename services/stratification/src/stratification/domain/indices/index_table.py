"""Per-patient frailty and comorbidity indices over the whole population's arrays at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from ..patient_activity import (
    DateArray,
    EventTable,
    PersonDiagnoses,
    day_number,
    years_before,
)
from .code_lookup import CHARLSON_BITS, LTC_SHIFT, charlson_score_table, code_lookup
from .hospital_frailty import HFRS_LOOKBACK_YEARS, HFRS_WEIGHT_TENTHS, frailty_band

IntArray = npt.NDArray[np.int64]
BitArray = npt.NDArray[np.uint64]

# HFRS categories fit in 7 bits, so (person, category) packs into one sortable integer.
_HFRS_KEY_BITS = 7
assert len(HFRS_WEIGHT_TENTHS) <= 1 << _HFRS_KEY_BITS


@dataclass(frozen=True, slots=True)
class IndexTable:
    """Index values per person (row i is person i of the event table)."""

    index_date: date
    hfrs: npt.NDArray[np.float64]
    hfrs_band: npt.NDArray[np.int8]
    charlson: IntArray
    charlson_age_adjusted: IntArray | None
    ltc_count: IntArray
    ltc_mask: IntArray


def _or_per_person(
    n_people: int, diagnoses: PersonDiagnoses, bits: BitArray, out: BitArray | None = None
) -> BitArray:
    """OR each person's code bits: one reduceat over the person-grouped runs, no group-by."""
    if not len(bits):
        return np.zeros(n_people, dtype=np.uint64) if out is None else out
    per_owner = np.bitwise_or.reduceat(bits, diagnoses.start)
    if out is None:
        out = np.zeros(n_people, dtype=np.uint64)
        out[diagnoses.owner] = per_owner
    else:
        out[diagnoses.owner] |= per_owner
    return out


def _hfrs(
    n_people: int,
    admissions: PersonDiagnoses,
    category: npt.NDArray[np.int8],
    in_window: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    """Sum each patient's distinct HFRS categories: a category counts once however often coded."""
    hit = np.flatnonzero(in_window & (category >= 0))
    keys = (admissions.person[hit].astype(np.int64) << _HFRS_KEY_BITS) | category[hit]
    keys.sort()  # rows are grouped by person already, so this only orders categories within one
    distinct = np.ones(len(keys), dtype=bool)
    distinct[1:] = keys[1:] != keys[:-1]
    keys = keys[distinct]
    person = keys >> _HFRS_KEY_BITS
    first = np.ones(len(keys), dtype=bool)
    first[1:] = person[1:] != person[:-1]
    starts = np.flatnonzero(first)
    scores = np.zeros(n_people, dtype=np.float64)
    if len(keys):
        tenths = np.add.reduceat(HFRS_WEIGHT_TENTHS[keys & ((1 << _HFRS_KEY_BITS) - 1)], starts)
        scores[person[starts]] = tenths / 10.0
    return scores


def _charlson_age_points(birth_date: DateArray, index_date: date) -> IntArray:
    """Charlson's age points (one a decade from 50, four at 80+) by comparing birth days."""
    birth = birth_date.astype("datetime64[D]", copy=False).view(np.int64)
    points = np.zeros(len(birth), dtype=np.int64)
    for age in (50, 60, 70, 80):
        points += birth <= np.int64(day_number(years_before(index_date, age)))
    return points


def ltc_masks(events: EventTable, index_date: date) -> IntArray:
    """Bitmask of long-term condition registers per patient: bit i is LTC_GROUPS[i]."""
    registers = events.diagnoses.registers
    bits = code_lookup(events.codes).register_bits[registers.code]
    bits[registers.day >= day_number(index_date)] = 0
    masks = _or_per_person(events.n_people, registers, bits) >> np.uint64(LTC_SHIFT)
    result: IntArray = masks.astype(np.int64)
    return result


def popcount(masks: IntArray) -> IntArray:
    """Number of set bits per mask."""
    counts: IntArray = np.bitwise_count(masks.astype(np.uint64)).astype(np.int64)
    return counts


def compute_indices(
    events: EventTable,
    *,
    index_date: date,
    birth_date: DateArray | None = None,
) -> IndexTable:
    """HFRS, Charlson and LTC count for everyone at the index date: the risk model's features."""
    lookup = code_lookup(events.codes)
    n = events.n_people
    admissions, registers = events.diagnoses.admissions, events.diagnoses.registers
    today = day_number(index_date)
    lookback = day_number(years_before(index_date, HFRS_LOOKBACK_YEARS))
    in_window = admissions.day >= lookback
    in_window &= admissions.day < today

    hfrs = _hfrs(n, admissions, lookup.hfrs_category[admissions.code], in_window)

    # Charlson reads admission diagnoses in the lookback and every register code made before
    # the index date; the register codes' bits also carry their LTC register.
    admission_bits = lookup.charlson_bits[admissions.code]
    np.multiply(admission_bits, in_window, out=admission_bits)
    register_bits = lookup.register_bits[registers.code]
    if len(registers.day) and registers.day.max() >= today:
        register_bits[registers.day >= today] = 0
    masks = _or_per_person(n, registers, register_bits)
    _or_per_person(n, admissions, admission_bits, out=masks)
    charlson: IntArray = charlson_score_table()[(masks & CHARLSON_BITS).astype(np.intp)]
    ltc: IntArray = (masks >> np.uint64(LTC_SHIFT)).astype(np.int64)

    adjusted = None
    if birth_date is not None:
        adjusted = charlson + _charlson_age_points(birth_date, index_date)
    return IndexTable(
        index_date=index_date,
        hfrs=hfrs,
        hfrs_band=frailty_band(hfrs),
        charlson=charlson,
        charlson_age_adjusted=adjusted,
        ltc_count=popcount(ltc),
        ltc_mask=ltc,
    )
