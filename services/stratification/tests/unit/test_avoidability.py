from __future__ import annotations

import numpy as np
import pytest

from stratification.domain.avoidability import (
    Avoidability,
    avoidability_of_codes,
    classify_admissions,
)
from stratification.domain.population.clinical_codes import (
    ACUTE_ACSC_ADMISSION,
    CHRONIC_ACSC_ADMISSION,
    NOT_AVOIDABLE_ADMISSION,
    SOMETIMES_AVOIDABLE_ADMISSION,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("J441", Avoidability.USUALLY),  # COPD exacerbation, chronic ACSC
        ("I500", Avoidability.USUALLY),  # heart failure
        ("E119", Avoidability.NOT),  # diabetes without complication is not on the ACSC list
        ("E116", Avoidability.USUALLY),  # diabetes with complication is
        ("N390", Avoidability.USUALLY),  # urinary tract infection, acute ACSC
        ("N391", Avoidability.NOT),  # other urinary disorders are not
        ("J181", Avoidability.USUALLY),  # lobar pneumonia
        ("J189", Avoidability.SOMETIMES),  # unspecified pneumonia
        ("S720", Avoidability.SOMETIMES),  # fractured neck of femur after a fall
        ("F059", Avoidability.SOMETIMES),  # delirium
        ("E86", Avoidability.USUALLY),  # dehydration
        ("E871", Avoidability.SOMETIMES),  # hyponatraemia
        ("I219", Avoidability.NOT),  # myocardial infarction
        ("C349", Avoidability.NOT),
    ],
)
def test_primary_diagnosis_decides_avoidability(code: str, expected: Avoidability) -> None:
    assert avoidability_of_codes([code]).tolist() == [expected]


def test_classification_runs_over_admission_arrays() -> None:
    codes = ("C349", "J441", "S720")
    primary = np.array([1, 1, 0, 2, 1], dtype=np.int32)
    assert classify_admissions(primary, codes).tolist() == [2, 2, 0, 1, 2]


@pytest.mark.parametrize(
    ("pool", "expected"),
    [
        (ACUTE_ACSC_ADMISSION.codes, Avoidability.USUALLY),
        (tuple(CHRONIC_ACSC_ADMISSION.values()), Avoidability.USUALLY),
        (SOMETIMES_AVOIDABLE_ADMISSION.codes, Avoidability.SOMETIMES),
        (NOT_AVOIDABLE_ADMISSION.codes, Avoidability.NOT),
    ],
)
def test_generator_code_pools_fall_in_the_class_they_stand_for(
    pool: tuple[str, ...], expected: Avoidability
) -> None:
    assert set(avoidability_of_codes(pool).tolist()) == {expected}


def test_labels_match_the_seed_tables() -> None:
    assert [a.label for a in Avoidability] == [
        "not avoidable",
        "sometimes avoidable",
        "usually avoidable",
    ]
