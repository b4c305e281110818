"""Vectorised NHS numbers with a valid Modulus 11 check digit, in the synthetic 9xx range."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
# 9 000 000 000 - 9 999 999 999 is never issued to real patients.
SYNTHETIC_BASE_LOW = 900_000_000
SYNTHETIC_BASE_HIGH = 1_000_000_000


def mod11_check_digits(bases: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Check digit for each 9-digit base; 10 means the base cannot form an NHS number."""
    digits = (bases[:, None] // 10 ** np.arange(8, -1, -1, dtype=np.int64)) % 10
    check = 11 - (digits @ _WEIGHTS) % 11
    check[check == 11] = 0
    return check


def generate_nhs_numbers(rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]:
    """Unique valid 10-digit numbers in random order, drawn without a Python loop per number."""
    found = np.empty(0, dtype=np.int64)
    while len(found) < count:
        need = int((count - len(found)) * 1.25) + 16
        bases = rng.integers(SYNTHETIC_BASE_LOW, SYNTHETIC_BASE_HIGH, size=need, dtype=np.int64)
        check = mod11_check_digits(bases)
        valid = bases[check != 10] * 10 + check[check != 10]
        found = np.unique(np.concatenate([found, valid]))
    return rng.permutation(found)[:count]
