"""Every clinician-request pairing at once: projected arrival, slack and hard feasibility."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dispatch.domain.availability import ClinicianAvailability, OpenRequest
from dispatch.domain.clock import aware
from dispatch.domain.travel import FloatArray, TravelModel

BoolArray = npt.NDArray[np.bool_]


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class CandidateMatrix:
    """Arrays indexed [clinician, request]; minutes are measured from `now`.

    `skilled`: holds every needed skill; `allowed`: skilled and has not declined;
    `feasible`: allowed and arrives before their shift ends.
    """

    now: datetime
    requests: Sequence[OpenRequest]
    clinicians: Sequence[ClinicianAvailability]
    free_min: FloatArray
    shift_end_min: FloatArray
    travel_min: FloatArray
    arrival_min: FloatArray
    deadline_min: FloatArray
    waited_min: FloatArray
    priority: npt.NDArray[np.int64]
    skilled: BoolArray
    allowed: BoolArray
    feasible: BoolArray

    @property
    def slack_min(self) -> FloatArray:
        """Deadline minus projected arrival for every pairing."""
        result: FloatArray = self.deadline_min[None, :] - self.arrival_min
        return result


def build_candidates(
    now: datetime,
    requests: Sequence[OpenRequest],
    clinicians: Sequence[ClinicianAvailability],
    travel: TravelModel,
) -> CandidateMatrix:
    """Vectorised so 200 requests by 100 clinicians costs a few hundred microseconds."""
    now = aware(now)
    n_c, n_r = len(clinicians), len(requests)
    free_min = np.array([max(0.0, _minutes(c.free_at, now)) for c in clinicians], dtype=np.float64)
    shift_end_min = np.array([_minutes(c.shift_end, now) for c in clinicians], dtype=np.float64)
    deadline_min = np.array([_minutes(r.deadline, now) for r in requests], dtype=np.float64)
    waited_min = np.array(
        [max(0.0, _minutes(now, r.received_at)) for r in requests], dtype=np.float64
    )
    priority = np.array([r.priority for r in requests], dtype=np.int64)
    if n_c and n_r:
        travel_min = travel.minutes_matrix(
            np.array([c.free_from.easting for c in clinicians], dtype=np.float64),
            np.array([c.free_from.northing for c in clinicians], dtype=np.float64),
            np.array([r.location.easting for r in requests], dtype=np.float64),
            np.array([r.location.northing for r in requests], dtype=np.float64),
        )
    else:
        travel_min = np.zeros((n_c, n_r), dtype=np.float64)
    arrival_min: FloatArray = free_min[:, None] + travel_min
    skilled = _skill_match(requests, clinicians)
    allowed = skilled.copy()
    index = {c.clinician_id: i for i, c in enumerate(clinicians)}
    for j, request in enumerate(requests):
        for clinician_id in request.excluded:
            i = index.get(clinician_id)
            if i is not None:
                allowed[i, j] = False
    feasible = allowed & (arrival_min <= shift_end_min[:, None])
    return CandidateMatrix(
        now=now,
        requests=requests,
        clinicians=clinicians,
        free_min=free_min,
        shift_end_min=shift_end_min,
        travel_min=travel_min,
        arrival_min=arrival_min,
        deadline_min=deadline_min,
        waited_min=waited_min,
        priority=priority,
        skilled=skilled,
        allowed=allowed,
        feasible=feasible,
    )


def _skill_match(
    requests: Sequence[OpenRequest], clinicians: Sequence[ClinicianAvailability]
) -> BoolArray:
    """Skills as bit masks: a clinician fits when no needed bit is missing."""
    names = sorted({s for r in requests for s in r.skills_needed})
    bit = {name: 1 << i for i, name in enumerate(names)}
    need = np.array([sum(bit[s] for s in r.skills_needed) for r in requests], dtype=np.int64)
    have = np.array([sum(bit[s] for s in c.skills if s in bit) for c in clinicians], dtype=np.int64)
    result: BoolArray = (need[None, :] & ~have[:, None]) == 0
    return result
