"""Shropshire localities and their postcodes, by northing bands so North really is north."""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt

from .gazetteer import PostcodeGazetteer


class Locality(enum.StrEnum):
    """Programme localities, in the order their codes are stored in arrays."""

    NORTH = "north"
    CENTRAL = "central"
    SOUTH = "south"

    @property
    def code(self) -> int:
        """Array code of the locality."""
        return list(Locality).index(self)

    @classmethod
    def from_code(cls, code: int) -> Locality:
        """Locality stored as an array code."""
        return list(Locality)[code]


# Share of the registered population (seed Appendix A).
LOCALITY_SHARES: dict[Locality, float] = {
    Locality.NORTH: 0.316,
    Locality.CENTRAL: 0.302,
    Locality.SOUTH: 0.382,
}


# 65+ registered in July 2017 by locality (seed Appendix A, Table 1).
SEED_AGED_65_PLUS_BY_LOCALITY: dict[Locality, int] = {
    Locality.NORTH: 23_190,
    Locality.CENTRAL: 22_135,
    Locality.SOUTH: 27_962,
}


def locality_of_postcodes(gazetteer: PostcodeGazetteer) -> npt.NDArray[np.int8]:
    """Split the county into northing bands holding the localities' shares of postcodes."""
    north_share = LOCALITY_SHARES[Locality.NORTH]
    south_share = LOCALITY_SHARES[Locality.SOUTH]
    north_line = np.quantile(gazetteer.northing, 1.0 - north_share)
    south_line = np.quantile(gazetteer.northing, south_share)
    locality = np.full(len(gazetteer), Locality.CENTRAL.code, dtype=np.int8)
    locality[gazetteer.northing >= north_line] = Locality.NORTH.code
    locality[gazetteer.northing < south_line] = Locality.SOUTH.code
    return locality


def exact_shares(total: int, shares: dict[Locality, float] | None = None) -> npt.NDArray[np.int64]:
    """Whole-person counts per locality summing to total (largest remainder)."""
    weights = shares or LOCALITY_SHARES
    whole = sum(weights.values())
    raw = np.array([total * weights[loc] / whole for loc in Locality])
    counts = np.floor(raw).astype(np.int64)
    short = total - int(counts.sum())
    counts[np.argsort(-(raw - counts))[:short]] += 1
    result: npt.NDArray[np.int64] = counts
    return result


def aged_65_plus_split(aged_65_plus: int) -> npt.NDArray[np.int64]:
    """65+ per locality in the seed's proportions (23,190 / 22,135 / 27,962 at full size)."""
    seed = {loc: float(n) for loc, n in SEED_AGED_65_PLUS_BY_LOCALITY.items()}
    return exact_shares(aged_65_plus, seed)
