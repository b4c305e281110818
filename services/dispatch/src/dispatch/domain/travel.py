"""Drive time between grid points, pluggable so a routing service can replace the estimate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt

from dispatch.domain.geography import GridPoint

FloatArray = npt.NDArray[np.float64]


class TravelModel(Protocol):
    """Minutes from a clinician's position to a patient, mobilisation included."""

    def travel_time(self, origin: GridPoint, destination: GridPoint) -> timedelta:
        """One journey, for the board and the event payload."""
        ...

    def minutes_matrix(
        self,
        origin_e: FloatArray,
        origin_n: FloatArray,
        dest_e: FloatArray,
        dest_n: FloatArray,
    ) -> FloatArray:
        """All origins (rows) to all destinations (columns) at once, for the assignment engine."""
        ...


@dataclass(frozen=True, slots=True)
class SpeedBand:
    """Average speed over the part of a journey that falls in a distance band."""

    up_to_km: float
    kmh: float


# Road distance over straight line in rural England is ~1.3-1.4 (Ballou et al. 2002 report
# ~1.2-1.4 for road networks; Shropshire's lanes and few Severn crossings sit high): 1.35.
DEFAULT_CIRCUITY = 1.35
# The first kilometres are in town or village lanes; longer trips reach the A5/A49/A41.
DEFAULT_SPEED_BANDS: tuple[SpeedBand, ...] = (
    SpeedBand(up_to_km=5.0, kmh=35.0),
    SpeedBand(up_to_km=15.0, kmh=50.0),
    SpeedBand(up_to_km=30.0, kmh=58.0),
    SpeedBand(up_to_km=float("inf"), kmh=65.0),
)
# Time to take the call, read the care plan alerts and get the kit into the car.
DEFAULT_MOBILISATION_MIN = 10.0


@dataclass(frozen=True, slots=True)
class CountyRoadTravel:
    """Straight line x circuity, driven at banded speeds, plus a fixed mobilisation time."""

    circuity: float = DEFAULT_CIRCUITY
    bands: tuple[SpeedBand, ...] = DEFAULT_SPEED_BANDS
    mobilisation_min: float = DEFAULT_MOBILISATION_MIN

    def road_km(self, straight_km: FloatArray) -> FloatArray:
        """Road distance estimated from the straight line."""
        result: FloatArray = straight_km * self.circuity
        return result

    def drive_minutes(self, road_km: FloatArray) -> FloatArray:
        """Each band's slice at its own speed, so a longer trip is never quicker than a shorter."""
        minutes = np.zeros_like(road_km, dtype=np.float64)
        lower = 0.0
        for band in self.bands:
            in_band = np.clip(road_km - lower, 0.0, band.up_to_km - lower)
            minutes += in_band / band.kmh * 60.0
            lower = band.up_to_km
        return minutes

    def minutes_matrix(
        self,
        origin_e: FloatArray,
        origin_n: FloatArray,
        dest_e: FloatArray,
        dest_n: FloatArray,
    ) -> FloatArray:
        """Mobilisation plus drive, origins by destinations."""
        de = origin_e[:, None] - dest_e[None, :]
        dn = origin_n[:, None] - dest_n[None, :]
        straight_km = np.hypot(de, dn) / 1000.0
        result: FloatArray = self.mobilisation_min + self.drive_minutes(self.road_km(straight_km))
        return result

    def travel_time(self, origin: GridPoint, destination: GridPoint) -> timedelta:
        """One journey, mobilisation included."""
        minutes = self.minutes_matrix(
            np.array([origin.easting]),
            np.array([origin.northing]),
            np.array([destination.easting]),
            np.array([destination.northing]),
        )
        return timedelta(minutes=float(minutes[0, 0]))
