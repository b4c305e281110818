"""Indices on tiny hand-written patients, with every score worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from stratification.domain.icd10_codes import normalise_icd10
from stratification.domain.indices import FrailtyBand, compute_indices, frailty_band
from stratification.domain.patient_activity import EventKind, EventTable

INDEX_DATE = date(2024, 4, 1)

# (person, date, kind, primary, secondaries)
Event = tuple[int, str, EventKind, str, tuple[str, ...]]

EVENTS: list[Event] = [
    # A (0), aged 82: two admissions in the window. HFRS = S72 1.4 + W19 3.2 + R29 3.6 + F05 3.2
    # + N39 3.2 + R55 1.8 + F00 7.1 = 23.5 (W19 twice counts once) -> high. Charlson: dementia 1.
    (0, "2023-04-10", EventKind.NEL, "S72.0", ("W19", "R29.6", "F05.9", "N39.0")),
    (0, "2023-10-01", EventKind.NEL, "R55", ("W19", "F00.1")),
    # B (1), aged 70: dementia admission 3 years ago is outside the 2-year lookback.
    # Charlson: diabetes E11.9 (1) is superseded by E11.2 (2); cancer C50.9 (2) by
    # metastasis C79.5 (6); MI I21.9 (1) -> 2 + 6 + 1 = 9. LTCs: diabetes, cancer = 2. HFRS 0.
    (1, "2021-03-01", EventKind.NEL, "F00.1", ()),
    (1, "2015-06-01", EventKind.CONDITION, "E11.9", ()),
    (1, "2018-06-01", EventKind.CONDITION, "C50.9", ()),
    (1, "2023-06-01", EventKind.NEL, "I21.9", ("E11.2", "C79.5")),
    # C (2), aged 66: registers I10, J44.9, I50.0, N18.3 (G20 comes after the index date).
    # LTCs = 4. Charlson = COPD 1 + CHF 1 + renal 2 + MI (I21) 1 = 5.
    # HFRS = N18 1.4 + E87 2.3 + R26 2.6 = 6.3 -> intermediate (J44 and I21 carry no weight).
    (2, "2010-01-01", EventKind.CONDITION, "I10", ()),
    (2, "2012-01-01", EventKind.CONDITION, "J44.9", ()),
    (2, "2019-01-01", EventKind.CONDITION, "I50.0", ()),
    (2, "2020-01-01", EventKind.CONDITION, "N18.3", ()),
    (2, "2024-06-01", EventKind.CONDITION, "G20", ()),
    (2, "2024-01-15", EventKind.NEL, "J44.1", ("N18.3", "E87.1", "R26.8", "I21.9")),
    # D (3), aged 40: nothing recorded -> all zero.
    # E (4), aged 55: liver K70.3 mild (1) superseded by varices I85.9 severe (3) -> 3.
    # A&E and GP codes count for nothing: S00 and F03 would otherwise score.
    (4, "2023-01-01", EventKind.NEL, "K70.3", ("I85.9",)),
    (4, "2023-02-01", EventKind.AE, "S00.9", ()),
    (4, "2023-03-01", EventKind.GP, "F03", ()),
    # F (5), aged 90: the lookback starts on 2022-04-01 inclusive and ends before the index date.
    # Only R54 (2.2) counts.
    (5, "2022-03-31", EventKind.NEL, "F00.1", ()),
    (5, "2022-04-01", EventKind.NEL, "R54", ()),
    (5, "2024-04-01", EventKind.NEL, "S00.9", ()),
]
BIRTH_DATES = ["1941-06-01", "1953-06-01", "1957-06-01", "1983-06-01", "1968-06-01", "1933-06-01"]


def _table(events: list[Event], n_people: int) -> EventTable:
    vocabulary = sorted(
        {normalise_icd10(e[3]) for e in events} | {normalise_icd10(c) for e in events for c in e[4]}
    )
    code_id = {c: i for i, c in enumerate(vocabulary)}
    offsets = np.cumsum([0] + [len(e[4]) for e in events])
    return EventTable(
        n_people=n_people,
        person=np.array([e[0] for e in events], dtype=np.int32),
        date=np.array([e[1] for e in events], dtype="datetime64[D]"),
        kind=np.array([e[2] for e in events], dtype=np.int8),
        primary=np.array([code_id[normalise_icd10(e[3])] for e in events], dtype=np.int32),
        secondary_offsets=offsets.astype(np.int64),
        secondary=np.array(
            [code_id[normalise_icd10(c)] for e in events for c in e[4]], dtype=np.int32
        ),
        codes=tuple(vocabulary),
    )


@pytest.fixture(scope="module")
def indices():
    return compute_indices(
        _table(EVENTS, 6),
        index_date=INDEX_DATE,
        birth_date=np.array(BIRTH_DATES, dtype="datetime64[D]"),
    )


def test_hfrs_sums_distinct_frailty_categories_in_the_two_year_window(indices) -> None:
    assert indices.hfrs.tolist() == pytest.approx([23.5, 0.0, 6.3, 0.0, 0.0, 2.2])


def test_hfrs_bands_follow_gilbert_thresholds(indices) -> None:
    assert indices.hfrs_band.tolist() == [
        FrailtyBand.HIGH,
        FrailtyBand.LOW,
        FrailtyBand.INTERMEDIATE,
        FrailtyBand.LOW,
        FrailtyBand.LOW,
        FrailtyBand.LOW,
    ]


def test_band_edges_five_and_fifteen_are_intermediate() -> None:
    scores = np.array([4.9, 5.0, 15.0, 15.1])
    assert frailty_band(scores).tolist() == [0, 1, 1, 2]


def test_charlson_counts_only_the_more_severe_of_each_pair(indices) -> None:
    assert indices.charlson.tolist() == [1, 9, 5, 0, 3, 0]


def test_charlson_age_points_add_one_a_decade_from_fifty(indices) -> None:
    # ages 82, 70, 66, 40, 55, 90 -> points 4, 3, 2, 0, 1, 4
    assert indices.charlson_age_adjusted.tolist() == [5, 12, 7, 0, 4, 4]


def test_long_term_conditions_count_registers_before_the_index_date(indices) -> None:
    assert indices.ltc_count.tolist() == [0, 2, 4, 0, 0, 0]


def test_a_register_recorded_twice_counts_once() -> None:
    events: list[Event] = [
        (0, "2010-01-01", EventKind.CONDITION, "E11.9", ()),
        (0, "2012-01-01", EventKind.CONDITION, "E10.9", ()),
        (0, "2013-01-01", EventKind.CONDITION, "I48", ()),
    ]
    result = compute_indices(_table(events, 1), index_date=INDEX_DATE)
    assert result.ltc_count.tolist() == [2]
    assert result.charlson_age_adjusted is None


def test_indices_do_not_depend_on_the_order_rows_arrive_in(indices) -> None:
    # Ingested files list people in any order; the same rows shuffled score the same.
    order = np.random.default_rng(3).permutation(len(EVENTS))
    shuffled = compute_indices(
        _table([EVENTS[i] for i in order], 6),
        index_date=INDEX_DATE,
        birth_date=np.array(BIRTH_DATES, dtype="datetime64[D]"),
    )
    assert shuffled.hfrs.tolist() == indices.hfrs.tolist()
    assert shuffled.charlson.tolist() == indices.charlson.tolist()
    assert shuffled.charlson_age_adjusted.tolist() == indices.charlson_age_adjusted.tolist()
    assert shuffled.ltc_mask.tolist() == indices.ltc_mask.tolist()


def test_charlson_age_points_change_on_the_birthday_itself() -> None:
    # Index date 2024-04-01: born 1974-04-01 turns 50 that day (1 point), born a day later is
    # still 49 (0); 1944-04-01 turns 80 (4 points) and 1944-04-02 is 79 (3). Someone born on
    # 29 February 1944 had their 80th birthday on 28 February 2024 as far as age goes.
    births = ["1974-04-01", "1974-04-02", "1944-04-01", "1944-04-02", "1944-02-29"]
    result = compute_indices(
        _table([], len(births)),
        index_date=INDEX_DATE,
        birth_date=np.array(births, dtype="datetime64[D]"),
    )
    assert result.charlson_age_adjusted is not None
    assert result.charlson_age_adjusted.tolist() == [1, 0, 4, 3, 4]


def test_secondary_codes_count_only_on_emergency_admissions() -> None:
    # The A&E attendance's secondaries (dementia F00.1, fall W19) score nothing; the admission's
    # secondary R29.6 scores 3.6 on HFRS and its S72.0 primary 1.4. Charlson: nothing.
    events: list[Event] = [
        (0, "2023-05-01", EventKind.AE, "S00.9", ("F00.1", "W19")),
        (0, "2023-06-01", EventKind.NEL, "S72.0", ("R29.6",)),
        (1, "2023-07-01", EventKind.AE, "R55", ("F03",)),
    ]
    result = compute_indices(_table(events, 2), index_date=INDEX_DATE)
    assert result.hfrs.tolist() == pytest.approx([5.0, 0.0])
    assert result.charlson.tolist() == [0, 0]
