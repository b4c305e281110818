"""Per-vocabulary lookup tables, built once per code list so scoring is pure array work."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..icd10_codes import all_prefix_mask, longest_prefix_lookup
from .charlson import CHARLSON_CATEGORIES, CHARLSON_PREFIX_BITS, charlson_score
from .hospital_frailty import HFRS_CATEGORY_INDEX
from .long_term_conditions import LTC_PREFIX_GROUP


@dataclass(frozen=True, slots=True)
class CodeLookup:
    """What each vocabulary code means to each index."""

    hfrs_category: npt.NDArray[np.int32]
    ltc_group: npt.NDArray[np.int32]
    charlson_pair_start: npt.NDArray[np.int64]
    charlson_pair_count: npt.NDArray[np.int64]
    charlson_pair_category: npt.NDArray[np.int64]
    charlson_single_category: npt.NDArray[np.int64]

    @property
    def charlson_codes_are_single(self) -> bool:
        """True when no code falls in two Charlson categories (the fast path)."""
        return bool(self.charlson_pair_count.max(initial=0) <= 1)


@functools.lru_cache(maxsize=16)
def code_lookup(codes: tuple[str, ...]) -> CodeLookup:
    """Resolve prefixes once per vocabulary (a few hundred codes), not once per event."""
    masks = all_prefix_mask(codes, CHARLSON_PREFIX_BITS)
    bits = (masks[:, None] >> np.arange(len(CHARLSON_CATEGORIES))) & 1
    counts = bits.sum(axis=1).astype(np.int64)
    _, categories = np.nonzero(bits)
    single = np.where(counts > 0, np.argmax(bits, axis=1), -1).astype(np.int64)
    return CodeLookup(
        hfrs_category=longest_prefix_lookup(codes, HFRS_CATEGORY_INDEX),
        ltc_group=longest_prefix_lookup(codes, LTC_PREFIX_GROUP),
        charlson_pair_start=np.cumsum(counts) - counts,
        charlson_pair_count=counts,
        charlson_pair_category=categories.astype(np.int64),
        charlson_single_category=single,
    )


@functools.lru_cache(maxsize=1)
def charlson_score_table() -> npt.NDArray[np.int64]:
    """Score of every possible category mask, so scoring a population is one gather."""
    return charlson_score(np.arange(1 << len(CHARLSON_CATEGORIES), dtype=np.int64))
