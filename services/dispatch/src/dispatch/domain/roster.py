"""Rapid-response clinicians on shift: skills, where they are, and what they are doing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dispatch.domain.clock import aware
from dispatch.domain.errors import (
    ClinicianUnavailable,
    DuplicateClinician,
    InvalidRequest,
    InvalidShift,
    OutsideCounty,
    UnknownClinician,
)
from dispatch.domain.geography import SHROPSHIRE_BOUNDS, CountyBounds, GridPoint
from dispatch.domain.requests import HOLDING_CLINICIAN, RapidResponse
from dispatch.domain.vocabulary import KNOWN_SKILLS, ClinicianStatus, RequestStatus

ON_A_JOB = frozenset(
    {ClinicianStatus.ASSIGNED, ClinicianStatus.TRAVELLING, ClinicianStatus.ON_SCENE}
)


@dataclass(frozen=True, slots=True)
class Shift:
    """When a clinician is on duty."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", aware(self.start))
        object.__setattr__(self, "end", aware(self.end))
        if self.end <= self.start:
            raise InvalidShift(f"shift ends {self.end.isoformat()} before it starts")

    def covers(self, instant: datetime) -> bool:
        """On duty at this instant (start inclusive, end exclusive)."""
        return self.start <= aware(instant) < self.end


@dataclass(slots=True)
class Clinician:
    """A senior clinician (ANP) who can be sent to a patient in crisis."""

    id: str
    name: str
    skills: frozenset[str]
    shift: Shift
    base: GridPoint
    position: GridPoint | None = None
    status: ClinicianStatus = ClinicianStatus.OFF_SHIFT
    request_id: str | None = None
    position_at: datetime | None = None
    leaving_after_job: bool = False
    off_duty_since: datetime | None = None

    def __post_init__(self) -> None:
        unknown = set(self.skills) - KNOWN_SKILLS
        if unknown:
            raise InvalidRequest(f"unknown skills: {', '.join(sorted(unknown))}")
        self.skills = frozenset(self.skills)
        _check_in_county(self.base, SHROPSHIRE_BOUNDS, what=f"base of {self.id}")
        if self.position is None:
            self.position = self.base

    def can_do(self, skills_needed: Iterable[str]) -> bool:
        """Skills are a hard constraint: every needed skill must be held."""
        return frozenset(skills_needed) <= self.skills

    def due_to_start(self, now: datetime) -> bool:
        """Off duty within a rostered shift not yet worked (one ended early stays ended)."""
        return (
            self.status is ClinicianStatus.OFF_SHIFT
            and self.shift.covers(now)
            and (self.off_duty_since is None or self.off_duty_since < self.shift.start)
        )

    @property
    def here(self) -> GridPoint:
        """Current (or last known) position; the base until the first fix."""
        return self.position if self.position is not None else self.base


@dataclass(frozen=True, slots=True)
class Handover:
    """What a clinician going off shift left behind."""

    clinician_id: str
    released: tuple[str, ...]
    finishing: str | None


@dataclass(slots=True)
class Roster:
    """All clinicians the coordinators can send, keyed by id."""

    bounds: CountyBounds = SHROPSHIRE_BOUNDS
    clinicians: dict[str, Clinician] = field(default_factory=dict)

    def add(self, clinician: Clinician) -> None:
        """Register a clinician once."""
        if clinician.id in self.clinicians:
            raise DuplicateClinician(f"clinician {clinician.id} is already on the roster")
        self.clinicians[clinician.id] = clinician

    def get(self, clinician_id: str) -> Clinician:
        """The clinician, or a typed error the API maps to 404."""
        try:
            return self.clinicians[clinician_id]
        except KeyError:
            raise UnknownClinician(f"no clinician {clinician_id} on the roster") from None

    def on_shift(self) -> list[Clinician]:
        """Clinicians a coordinator can plan with now."""
        return [c for c in self.clinicians.values() if c.status is not ClinicianStatus.OFF_SHIFT]

    def update_position(
        self, clinician_id: str, *, easting: float, northing: float, at: datetime
    ) -> Clinician:
        """Accept a position fix only inside the county and never older than the last one."""
        clinician = self.get(clinician_id)
        point = GridPoint(float(easting), float(northing))
        _check_in_county(point, self.bounds, what=f"position of {clinician_id}")
        at = aware(at)
        if clinician.position_at is not None and at < clinician.position_at:
            return clinician  # a late, out-of-order fix must not move the clinician backwards
        clinician.position = point
        clinician.position_at = at
        return clinician

    def start_shift(self, clinician_id: str, at: datetime) -> Clinician:
        """Come on duty at base, available."""
        clinician = self.get(clinician_id)
        if clinician.status is not ClinicianStatus.OFF_SHIFT:
            raise ClinicianUnavailable(f"{clinician_id} is already on shift")
        clinician.status = ClinicianStatus.AVAILABLE
        clinician.position = clinician.base
        clinician.position_at = aware(at)
        clinician.leaving_after_job = False
        return clinician

    def take_job(self, clinician_id: str, request_id: str) -> Clinician:
        """Mark an available clinician as assigned to a request."""
        clinician = self.get(clinician_id)
        if clinician.status is not ClinicianStatus.AVAILABLE:
            raise ClinicianUnavailable(f"{clinician_id} is {clinician.status.value}")
        clinician.status = ClinicianStatus.ASSIGNED
        clinician.request_id = request_id
        return clinician

    def set_off(self, clinician_id: str) -> Clinician:
        """Assigned clinician starts travelling."""
        return self._move(clinician_id, {ClinicianStatus.ASSIGNED}, ClinicianStatus.TRAVELLING)

    def reach_patient(self, clinician_id: str) -> Clinician:
        """Clinician is with the patient."""
        return self._move(
            clinician_id,
            {ClinicianStatus.ASSIGNED, ClinicianStatus.TRAVELLING},
            ClinicianStatus.ON_SCENE,
        )

    def free(self, clinician_id: str) -> Clinician:
        """Job finished or handed back: available again, or off shift if the shift is over."""
        clinician = self.get(clinician_id)
        clinician.request_id = None
        clinician.status = (
            ClinicianStatus.OFF_SHIFT if clinician.leaving_after_job else ClinicianStatus.AVAILABLE
        )
        clinician.leaving_after_job = False
        return clinician

    def go_off_shift(
        self, clinician_id: str, at: datetime, requests: Mapping[str, RapidResponse]
    ) -> Handover:
        """An assigned-but-not-arrived request is released for reassignment; on scene finishes."""
        clinician = self.get(clinician_id)
        clinician.off_duty_since = aware(at)
        released: list[str] = []
        finishing: str | None = None
        held = requests.get(clinician.request_id) if clinician.request_id else None
        if held is not None and held.status in HOLDING_CLINICIAN:
            held.release(at, reason="shift handover")
            released.append(held.id)
        elif held is not None and held.status is RequestStatus.ARRIVED:
            finishing = held.id
        if finishing is None:
            clinician.status = ClinicianStatus.OFF_SHIFT
            clinician.request_id = None
        else:
            clinician.leaving_after_job = True
        return Handover(clinician_id=clinician_id, released=tuple(released), finishing=finishing)

    def _move(
        self, clinician_id: str, allowed: set[ClinicianStatus], to: ClinicianStatus
    ) -> Clinician:
        clinician = self.get(clinician_id)
        if clinician.status not in allowed:
            raise ClinicianUnavailable(
                f"{clinician_id} is {clinician.status.value}; cannot become {to.value}"
            )
        clinician.status = to
        return clinician


def _check_in_county(point: GridPoint, bounds: CountyBounds, *, what: str) -> None:
    if not bounds.contains(point):
        raise OutsideCounty(
            f"{what} E{point.easting:.0f} N{point.northing:.0f} is outside Shropshire "
            f"(E {bounds.min_easting:.0f}-{bounds.max_easting:.0f}, "
            f"N {bounds.min_northing:.0f}-{bounds.max_northing:.0f})"
        )
