"""OSGB36 grid points and the Shropshire box every position must fall in."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GridPoint:
    """A British National Grid (OSGB36) position in metres."""

    easting: float
    northing: float

    def distance_km(self, other: GridPoint) -> float:
        """Straight-line distance; the grid is metric, so Pythagoras is exact enough in a county."""
        return math.hypot(self.easting - other.easting, self.northing - other.northing) / 1000.0


@dataclass(frozen=True, slots=True)
class CountyBounds:
    """An easting/northing rectangle: a cheap sanity check on positions, not a boundary."""

    min_easting: float
    max_easting: float
    min_northing: float
    max_northing: float

    def contains(self, point: GridPoint) -> bool:
        """True when the point lies inside the rectangle (edges included)."""
        return (
            self.min_easting <= point.easting <= self.max_easting
            and self.min_northing <= point.northing <= self.max_northing
        )


# The 15,364 Shropshire (E06000051) postcodes in the ONS Postcode Directory span
# E 317,489-384,223 and N 267,975-344,432 (Clun Forest in the west, the Staffordshire border in the
# east, the Teme below Ludlow in the south, Whitchurch in the north); 1-2 km of margin each side
# keeps a clinician on a border lane valid while a Welsh or Midlands fix is refused.
SHROPSHIRE_BOUNDS = CountyBounds(
    min_easting=316_000.0,
    max_easting=386_000.0,
    min_northing=266_000.0,
    max_northing=346_000.0,
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where the patient is: the postcode for people, the grid point for travel."""

    postcode: str
    easting: float
    northing: float

    @property
    def point(self) -> GridPoint:
        """The grid point of the location."""
        return GridPoint(self.easting, self.northing)
