"""Hospital Frailty Risk Score (Gilbert et al., Lancet 2018): 109 weighted ICD-10 categories."""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt

HFRS_LOOKBACK_YEARS = 2

# Gilbert et al. 2018, Table/Appendix: weight per ICD-10 3-character category.
HFRS_WEIGHTS: dict[str, float] = {
    "F00": 7.1, "G81": 4.4, "G30": 4.0, "I69": 3.7, "R29": 3.6, "N39": 3.2, "F05": 3.2,
    "W19": 3.2, "S00": 3.2, "R31": 3.0, "B96": 2.9, "R41": 2.7, "R26": 2.6, "I67": 2.6,
    "R56": 2.6, "R40": 2.5, "T83": 2.4, "S06": 2.4, "S42": 2.3, "E87": 2.3, "M25": 2.3,
    "E86": 2.3, "R54": 2.2, "Z50": 2.1, "F03": 2.1, "W18": 2.1, "Z75": 2.0, "F01": 2.0,
    "S80": 2.0, "L03": 2.0, "H54": 1.9, "E53": 1.9, "Z60": 1.8, "G20": 1.8, "R55": 1.8,
    "S22": 1.8, "K59": 1.8, "N17": 1.8, "L89": 1.7, "Z22": 1.7, "B95": 1.7, "L97": 1.6,
    "R44": 1.6, "K26": 1.6, "I95": 1.6, "N19": 1.6, "A41": 1.6, "Z87": 1.5, "J96": 1.5,
    "X59": 1.5, "M19": 1.5, "G40": 1.5, "M81": 1.4, "S72": 1.4, "S32": 1.4, "E16": 1.4,
    "R94": 1.4, "N18": 1.4, "R33": 1.3, "R69": 1.3, "N28": 1.3, "R32": 1.2, "G31": 1.2,
    "Y95": 1.2, "S09": 1.2, "R45": 1.2, "G45": 1.2, "Z74": 1.1, "M79": 1.1, "W06": 1.1,
    "S01": 1.1, "A04": 1.1, "A09": 1.1, "J18": 1.1, "J69": 1.0, "R47": 1.0, "E55": 1.0,
    "Z93": 1.0, "R02": 1.0, "R63": 0.9, "H91": 0.9, "W10": 0.9, "W01": 0.9, "E05": 0.9,
    "M41": 0.9, "R13": 0.8, "Z99": 0.8, "U80": 0.8, "M80": 0.8, "K92": 0.8, "I63": 0.8,
    "N20": 0.7, "F10": 0.7, "Y84": 0.7, "R00": 0.7, "J22": 0.7, "Z73": 0.6, "R79": 0.6,
    "Z91": 0.5, "S51": 0.5, "F32": 0.5, "M48": 0.5, "E83": 0.4, "M15": 0.4, "D64": 0.4,
    "L08": 0.4, "R11": 0.3, "K52": 0.3, "R50": 0.1,
}  # fmt: skip

HFRS_CATEGORIES: tuple[str, ...] = tuple(HFRS_WEIGHTS)
HFRS_CATEGORY_INDEX: dict[str, int] = {code: i for i, code in enumerate(HFRS_CATEGORIES)}
# Weights in tenths so per-patient sums are exact integers, not accumulated float error.
HFRS_WEIGHT_TENTHS: npt.NDArray[np.int64] = np.array(
    [round(w * 10) for w in HFRS_WEIGHTS.values()], dtype=np.int64
)


class FrailtyBand(enum.IntEnum):
    """Gilbert's risk groups: <5 low, 5-15 intermediate, >15 high."""

    LOW = 0
    INTERMEDIATE = 1
    HIGH = 2

    @property
    def label(self) -> str:
        """The word used on the predictive report."""
        return self.name.lower()


def frailty_band(hfrs: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Band scores as Gilbert did: 5 and 15 themselves are intermediate."""
    bands = np.full(hfrs.shape, FrailtyBand.INTERMEDIATE, dtype=np.int8)
    bands[hfrs < 5.0] = FrailtyBand.LOW
    bands[hfrs > 15.0] = FrailtyBand.HIGH
    return bands
