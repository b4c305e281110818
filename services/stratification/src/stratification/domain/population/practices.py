"""GP practices: ODS-format codes, a locality, a real postcode and a catchment of postcodes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .gazetteer import PostcodeGazetteer
from .localities import Locality

DEFAULT_PRACTICE_COUNT = 40
# How many of the closest same-locality postcodes a practice's patients are drawn from.
CATCHMENT_POSTCODES = 250


@dataclass(frozen=True, slots=True)
class Practices:
    """Practice columns; row i is practice code i."""

    code: tuple[str, ...]
    locality: npt.NDArray[np.int8]
    postcode_index: npt.NDArray[np.int64]
    catchment: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.code)


def practice_codes(rng: np.random.Generator, count: int) -> tuple[str, ...]:
    """Distinct 'M82nnn'-shaped codes (letter + 5 digits, the ODS GP practice format)."""
    numbers = np.sort(rng.choice(np.arange(100, 1000), size=count, replace=False))
    return tuple(f"M82{n:03d}" for n in numbers)


def practices_per_locality(count: int) -> npt.NDArray[np.int64]:
    """Spread practices over localities roughly by population share, at least one each."""
    from .localities import exact_shares

    per = exact_shares(count)
    per[per == 0] = 1
    return per


def build_practices(
    rng: np.random.Generator,
    gazetteer: PostcodeGazetteer,
    postcode_locality: npt.NDArray[np.int8],
    *,
    count: int = DEFAULT_PRACTICE_COUNT,
) -> Practices:
    """Site practices on real postcodes in their locality, each with nearby catchment postcodes."""
    per_locality = practices_per_locality(count)
    codes = practice_codes(rng, int(per_locality.sum()))
    localities: list[int] = []
    sites: list[int] = []
    catchments: list[npt.NDArray[np.int64]] = []
    for loc in Locality:
        in_locality = np.flatnonzero(postcode_locality == loc.code)
        chosen = rng.choice(in_locality, size=int(per_locality[loc.code]), replace=False)
        for site in chosen:
            distance = np.hypot(
                gazetteer.easting[in_locality] - gazetteer.easting[site],
                gazetteer.northing[in_locality] - gazetteer.northing[site],
            )
            nearest = in_locality[np.argsort(distance, kind="stable")[:CATCHMENT_POSTCODES]]
            if len(nearest) < CATCHMENT_POSTCODES:
                nearest = np.resize(nearest, CATCHMENT_POSTCODES)
            localities.append(loc.code)
            sites.append(int(site))
            catchments.append(nearest.astype(np.int64))
    return Practices(
        code=codes,
        locality=np.array(localities, dtype=np.int8),
        postcode_index=np.array(sites, dtype=np.int64),
        catchment=np.stack(catchments),
    )
