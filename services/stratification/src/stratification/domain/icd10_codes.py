"""ICD-10 code normalisation and code-vocabulary lookups shared by ingest and indices."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

ICD10_PATTERN = re.compile(r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{0,4})?$")


def normalise_icd10(code: str) -> str:
    """Store codes one way (upper case, no dot): 'j44.1', 'J44.1' and 'J441' are one code."""
    return code.strip().upper().replace(".", "")


def is_icd10_code(code: str) -> bool:
    """Reject free text and local codes before they reach the indices."""
    return ICD10_PATTERN.match(code.strip().upper()) is not None


def longest_prefix_lookup(
    vocabulary: Sequence[str],
    prefixes: Mapping[str, int],
    *,
    missing: int = -1,
) -> npt.NDArray[np.int32]:
    """Map each vocabulary code to the value of its longest matching prefix."""
    out = np.full(len(vocabulary), missing, dtype=np.int32)
    lengths = sorted({len(p) for p in prefixes}, reverse=True)
    for i, code in enumerate(vocabulary):
        for n in lengths:
            hit = prefixes.get(code[:n])
            if hit is not None:
                out[i] = hit
                break
    return out


def all_prefix_mask(
    vocabulary: Sequence[str],
    prefix_bits: Mapping[str, int],
) -> npt.NDArray[np.int64]:
    """OR the bits of every prefix a code starts with, as pycomorb matches any prefix length."""
    out = np.zeros(len(vocabulary), dtype=np.int64)
    lengths = sorted({len(p) for p in prefix_bits})
    for i, code in enumerate(vocabulary):
        mask = 0
        for n in lengths:
            bit = prefix_bits.get(code[:n])
            if bit is not None:
                mask |= bit
        out[i] = mask
    return out


def expand_ranges(spec: Iterable[str]) -> list[str]:
    """Expand 'I20-I25' style 3-character ranges so code lists read like the published tables."""
    codes: list[str] = []
    for item in spec:
        if "-" in item:
            start, end = item.split("-")
            letter = start[0]
            codes.extend(f"{letter}{n:02d}" for n in range(int(start[1:3]), int(end[1:3]) + 1))
        else:
            codes.append(item)
    return codes
