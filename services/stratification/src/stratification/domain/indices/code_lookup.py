"""Per-vocabulary lookup tables, built once per code list so scoring is pure array work."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..icd10_codes import all_prefix_mask, longest_prefix_lookup
from .charlson import CHARLSON_CATEGORIES, CHARLSON_PREFIX_BITS, charlson_score
from .hospital_frailty import HFRS_CATEGORY_INDEX
from .long_term_conditions import LTC_GROUPS, LTC_PREFIX_GROUP

# A register code's bits carry its Charlson categories low and its LTC register from bit 32, so
# one OR per person collects both sets.
LTC_SHIFT = 32
CHARLSON_BITS = np.uint64((1 << len(CHARLSON_CATEGORIES)) - 1)
assert len(CHARLSON_CATEGORIES) <= LTC_SHIFT and len(LTC_GROUPS) <= 64 - LTC_SHIFT


@dataclass(frozen=True, slots=True)
class CodeLookup:
    """What each vocabulary code means to each index."""

    hfrs_category: npt.NDArray[np.int8]
    charlson_bits: npt.NDArray[np.uint64]
    register_bits: npt.NDArray[np.uint64]


@functools.lru_cache(maxsize=16)
def code_lookup(codes: tuple[str, ...]) -> CodeLookup:
    """Resolve prefixes once per vocabulary (a few hundred codes), not once per event."""
    charlson = all_prefix_mask(codes, CHARLSON_PREFIX_BITS).astype(np.uint64)
    ltc_group = longest_prefix_lookup(codes, LTC_PREFIX_GROUP)
    ltc_bit = np.where(
        ltc_group >= 0,
        np.left_shift(np.uint64(1), (np.maximum(ltc_group, 0) + LTC_SHIFT).astype(np.uint64)),
        np.uint64(0),
    ).astype(np.uint64)
    return CodeLookup(
        hfrs_category=longest_prefix_lookup(codes, HFRS_CATEGORY_INDEX).astype(np.int8),
        charlson_bits=charlson,
        register_bits=charlson | ltc_bit,
    )


@functools.lru_cache(maxsize=1)
def charlson_score_table() -> npt.NDArray[np.int64]:
    """Score of every possible category mask, so scoring a population is one gather."""
    return charlson_score(np.arange(1 << len(CHARLSON_CATEGORIES), dtype=np.int64))
