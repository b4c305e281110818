"""Preparedness: what sending an idle clinician costs the patients who have not called yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from dispatch.domain.errors import InvalidRequest
from dispatch.domain.travel import FloatArray, TravelModel


@dataclass(frozen=True, slots=True)
class CoverageOutlook:
    """Where crises come from (weighted points) and how many to expect per hour of day (UTC)."""

    easting: FloatArray
    northing: FloatArray
    weight: FloatArray
    hourly_rate: Sequence[float]
    # A point counts as covered when an idle clinician could be there this soon.
    cover_within_min: float = 90.0

    def __post_init__(self) -> None:
        if len(self.hourly_rate) != 24:
            raise InvalidRequest("hourly_rate needs 24 values, one per hour of the day")
        if not (self.easting.shape == self.northing.shape == self.weight.shape):
            raise InvalidRequest("demand points need matching easting, northing and weight")

    def rate_per_min(self, at: datetime) -> float:
        """Expected referrals per minute at this instant."""
        return float(self.hourly_rate[at.hour]) / 60.0

    def sole_cover_share(
        self, travel: TravelModel, origin_e: FloatArray, origin_n: FloatArray
    ) -> FloatArray:
        """Per idle clinician: the share of demand that only they can reach in time."""
        if origin_e.size == 0 or self.weight.size == 0:
            return np.zeros(origin_e.size, dtype=np.float64)
        reach = travel.minutes_matrix(origin_e, origin_n, self.easting, self.northing)
        covered = reach <= self.cover_within_min
        alone = covered & (covered.sum(axis=0) == 1)[None, :]
        total = float(self.weight.sum()) or 1.0
        result: FloatArray = (alone * self.weight[None, :]).sum(axis=1) / total
        return result
