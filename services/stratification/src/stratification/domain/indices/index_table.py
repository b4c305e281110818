"""Per-patient frailty and comorbidity indices over the whole event table in a few numpy passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from ..patient_activity import (
    DateArray,
    EventKind,
    EventTable,
    age_in_years,
    to_datetime64,
    years_before,
)
from .charlson import charlson_age_points
from .code_lookup import CodeLookup, charlson_score_table, code_lookup
from .hospital_frailty import HFRS_CATEGORIES, HFRS_LOOKBACK_YEARS, HFRS_WEIGHT_TENTHS, frailty_band

IntArray = npt.NDArray[np.int64]


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


@dataclass(frozen=True, slots=True)
class CodeOccurrences:
    """Flattened diagnosis positions of some events; the first `primary_count` are primaries."""

    person: npt.NDArray[np.int32]
    code: npt.NDArray[np.int32]
    row: IntArray
    primary_count: int


def code_occurrences(events: EventTable, rows: IntArray) -> CodeOccurrences:
    """Flatten primary and secondary diagnoses of the given event rows, touching only those rows."""
    starts = events.secondary_offsets[rows]
    lengths = events.secondary_offsets[rows + 1] - starts
    first = np.cumsum(lengths) - lengths
    total = int(first[-1] + lengths[-1]) if len(rows) else 0
    positions = np.repeat(starts - first, lengths) + np.arange(total, dtype=np.int64)
    all_rows = np.concatenate([rows, np.repeat(rows, lengths)])
    return CodeOccurrences(
        person=events.person[all_rows],
        code=np.concatenate([events.primary[rows], events.secondary[positions]]),
        row=all_rows,
        primary_count=len(rows),
    )


def _window_rows(events: EventTable, index_date: date) -> tuple[IntArray, IntArray]:
    """(hospital rows, register rows): one scan of the kind column serves both windows."""
    kind = events.kind
    candidate = np.flatnonzero((kind == EventKind.NEL) | (kind == EventKind.CONDITION))
    days = events.date[candidate]
    before = days < to_datetime64(index_date)
    is_nel = kind[candidate] == EventKind.NEL
    start = to_datetime64(years_before(index_date, HFRS_LOOKBACK_YEARS))
    hospital: IntArray = candidate[is_nel & before & (days >= start)]
    registers: IntArray = candidate[~is_nel & before]
    return hospital, registers


def hospital_rows(events: EventTable, index_date: date) -> IntArray:
    """Admissions in the two years before the index date, the window Gilbert validated."""
    return _window_rows(events, index_date)[0]


def register_rows(events: EventTable, index_date: date) -> IntArray:
    """Register diagnoses made before the index date: a long-term condition does not lapse."""
    return _window_rows(events, index_date)[1]


def _or_masks(n_people: int, person: npt.NDArray[np.int32], bit: IntArray) -> IntArray:
    """OR bit `bit[i]` into person[i]'s mask."""
    masks = np.zeros(n_people, dtype=np.uint64)
    np.bitwise_or.at(masks, person, np.left_shift(np.uint64(1), bit.astype(np.uint64)))
    result: IntArray = masks.astype(np.int64)
    return result


def _hfrs(
    n_people: int, person: npt.NDArray[np.int32], category: npt.NDArray[np.int32]
) -> npt.NDArray[np.float64]:
    """Sum each patient's distinct HFRS categories: a category counts once however often coded."""
    width = len(HFRS_CATEGORIES)
    keys = np.sort(person.astype(np.int64) * width + category)
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    keys = keys[first]
    tenths = np.bincount(
        keys // width, weights=HFRS_WEIGHT_TENTHS[keys % width], minlength=n_people
    )
    scores: npt.NDArray[np.float64] = np.round(tenths) / 10.0
    return scores


def _charlson_masks(
    n_people: int, person: npt.NDArray[np.int32], code: npt.NDArray[np.int32], lookup: CodeLookup
) -> IntArray:
    """Charlson category bitmask per person (bit i = CHARLSON_CATEGORIES[i])."""
    if lookup.charlson_codes_are_single:
        category = lookup.charlson_single_category[code]
        hit = category >= 0
        return _or_masks(n_people, person[hit], category[hit])
    pairs = lookup.charlson_pair_count[code]
    matched = np.flatnonzero(pairs)
    counts = pairs[matched]
    occurrence = np.repeat(matched, counts)
    nth = np.arange(len(occurrence)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = lookup.charlson_pair_start[code[occurrence]]
    return _or_masks(n_people, person[occurrence], lookup.charlson_pair_category[start + nth])


def ltc_masks(events: EventTable, index_date: date) -> IntArray:
    """Bitmask of long-term condition registers per patient: bit i is LTC_GROUPS[i]."""
    rows = register_rows(events, index_date)
    group = code_lookup(events.codes).ltc_group[events.primary[rows]]
    hit = group >= 0
    return _or_masks(events.n_people, events.person[rows[hit]], group[hit].astype(np.int64))


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
    hospital_events, registers = _window_rows(events, index_date)
    hospital = code_occurrences(events, hospital_events)

    category = lookup.hfrs_category[hospital.code]
    frail = category >= 0
    hfrs = _hfrs(events.n_people, hospital.person[frail], category[frail])

    # Charlson reads hospital diagnoses and register codes together.
    person = np.concatenate([hospital.person, events.person[registers]])
    code = np.concatenate([hospital.code, events.primary[registers]])
    charlson_mask = _charlson_masks(events.n_people, person, code, lookup)
    charlson: IntArray = charlson_score_table()[charlson_mask]

    group = lookup.ltc_group[events.primary[registers]]
    listed = group >= 0
    ltc = _or_masks(
        events.n_people, events.person[registers[listed]], group[listed].astype(np.int64)
    )

    adjusted = None
    if birth_date is not None:
        adjusted = charlson + charlson_age_points(age_in_years(birth_date, index_date))
    return IndexTable(
        index_date=index_date,
        hfrs=hfrs,
        hfrs_band=frailty_band(hfrs),
        charlson=charlson,
        charlson_age_adjusted=adjusted,
        ltc_count=popcount(ltc),
        ltc_mask=ltc,
    )
