"""Secondary diagnoses on admissions: registers, frailty codes, Charlson complications."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..indices.long_term_conditions import LTC_GROUPS
from .clinical_codes import (
    DIABETES_COMPLICATION,
    FRAILTY_SECONDARY,
    HEMIPLEGIA,
    LIVER_DISEASE,
    METASTASIS,
    CodePool,
    draw_codes,
)
from .morbidity import Registers

REGISTER_RECORDED_SHARE = 0.85
MAX_FRAILTY_CODES = 8
_EXTRAS: tuple[tuple[str | None, float, CodePool], ...] = (
    ("diabetes", 0.15, DIABETES_COMPLICATION),
    ("cancer", 0.25, METASTASIS),
    ("stroke_tia", 0.15, HEMIPLEGIA),
    (None, 0.01, LIVER_DISEASE),
)


def csr_rows(counts: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For ragged groups of these sizes: each element's group and position within it."""
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(len(group)) - starts[group]


def secondary_diagnoses(
    rng: np.random.Generator,
    *,
    person: npt.NDArray[np.int32],
    day: npt.NDArray[np.datetime64],
    age: npt.NDArray[np.int64],
    risk: npt.NDArray[np.float64],
    registers: Registers,
    group_mask: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Return (admission row, code id) pairs, sorted and without repeats within an admission."""
    per_person = np.bincount(registers.person, minlength=len(group_mask))
    first = np.cumsum(per_person) - per_person
    adm, offset = csr_rows(per_person[person])
    reg = first[person[adm]] + offset
    keep = (registers.diagnosed[reg] < day[adm]) & (rng.random(len(adm)) < REGISTER_RECORDED_SHARE)
    rows = [adm[keep]]
    codes = [registers.code[reg[keep]]]

    older = age >= 65
    mean = 0.25 * np.minimum(risk, 30.0) ** 0.8 * np.where(older, 1.0, 0.3)
    n_frailty = np.minimum(rng.poisson(mean), MAX_FRAILTY_CODES)
    frail_rows = np.repeat(np.arange(len(person)), n_frailty)
    rows.append(frail_rows)
    codes.append(draw_codes(rng, FRAILTY_SECONDARY, len(frail_rows)))

    for group_name, share, code_pool in _EXTRAS:
        eligible = np.ones(len(person), dtype=bool)
        if group_name is not None:
            eligible = (group_mask[person] >> LTC_GROUPS.index(group_name)) & 1 == 1
        hit = np.flatnonzero(eligible & (rng.random(len(person)) < share))
        rows.append(hit)
        codes.append(draw_codes(rng, code_pool, len(hit)))

    all_rows = np.concatenate(rows).astype(np.int64)
    all_codes = np.concatenate(codes).astype(np.int64)
    keys = np.unique(all_rows * 100_000 + all_codes)
    return keys // 100_000, (keys % 100_000).astype(np.int32)
