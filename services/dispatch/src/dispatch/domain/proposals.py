"""What any dispatch policy answers: a clinician per request, when they arrive, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from dispatch.domain.availability import ClinicianAvailability, OpenRequest


@dataclass(frozen=True, slots=True)
class Proposal:
    """A clinician for a request; `dispatch_now` when they are free to set off at once."""

    request_id: str
    clinician_id: str
    projected_arrival: datetime
    slack: timedelta
    dispatch_now: bool
    queue_position: int
    why: str

    @property
    def meets_deadline(self) -> bool:
        """Projected to arrive within the 2-hour window."""
        return self.slack >= timedelta(0)


@dataclass(frozen=True, slots=True)
class Unplanned:
    """A request left without a clinician this round, and why."""

    request_id: str
    why: str


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    """One decision over all open requests."""

    policy: str
    decided_at: datetime
    proposals: tuple[Proposal, ...]
    unplanned: tuple[Unplanned, ...] = ()

    def for_request(self, request_id: str) -> Proposal | None:
        """The proposal for a request, if any."""
        return next((p for p in self.proposals if p.request_id == request_id), None)

    def to_dispatch_now(self) -> list[Proposal]:
        """Proposals a coordinator can send now (the clinician is free)."""
        return [p for p in self.proposals if p.dispatch_now]


class Dispatcher(Protocol):
    """A dispatch policy: the engine and the baselines answer the same question."""

    @property
    def name(self) -> str:
        """Policy name for plans and reports."""
        ...

    def propose(
        self,
        now: datetime,
        requests: Sequence[OpenRequest],
        clinicians: Sequence[ClinicianAvailability],
    ) -> AssignmentPlan:
        """Plan clinicians for the open requests as of now."""
        ...


def clock_time(now: datetime, minutes: float) -> datetime:
    """An offset in minutes from now as an instant."""
    return now + timedelta(minutes=float(minutes))


def hhmm(instant: datetime) -> str:
    """Board format for instants (UTC)."""
    return f"{instant.hour:02d}:{instant.minute:02d}"


def hhmm_after(now: datetime, minutes: float) -> str:
    """Board format for now + minutes without building a datetime (hot path of the engine)."""
    of_day = int((now.hour * 60 + now.minute + now.second / 60.0 + minutes) // 1) % 1440
    return f"{of_day // 60:02d}:{of_day % 60:02d}"
