"""A rapid-response request's lifecycle, from receipt to outcome, with every step timed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dispatch.domain.clock import aware
from dispatch.domain.errors import (
    ClinicianExcluded,
    InvalidRequest,
    InvalidTransition,
    NotAssignedClinician,
    OutsideCounty,
    RequestClosed,
    TimestampOutOfOrder,
    WarningAlreadyFired,
)
from dispatch.domain.geography import SHROPSHIRE_BOUNDS, Location
from dispatch.domain.outcomes import Completion, decide_completion
from dispatch.domain.sla import SlaClock, SlaEventKind, SlaWarning, SlaWarnings
from dispatch.domain.vocabulary import KNOWN_SKILLS, DispatchOutcome, RequestStatus

PRIORITIES = (1, 2, 3)
CLOSED = frozenset({RequestStatus.COMPLETED, RequestStatus.CANCELLED})
HOLDING_CLINICIAN = frozenset(
    {RequestStatus.ASSIGNED, RequestStatus.ACCEPTED, RequestStatus.EN_ROUTE}
)


@dataclass(frozen=True, slots=True)
class Transition:
    """One timed step in the request's history (the audit trail for the board)."""

    status: RequestStatus
    at: datetime
    clinician_id: str | None
    note: str = ""


@dataclass(slots=True)
class RapidResponse:
    """A patient in crisis waiting for a senior clinician; the clock starts at receipt."""

    id: str
    patient_ref: str
    received_at: datetime
    location: Location
    reason: str
    skills_needed: frozenset[str] = frozenset()
    priority: int = 2
    care_plan_alerts_ref: str | None = None
    high_risk: bool = False
    status: RequestStatus = RequestStatus.REQUESTED
    clinician_id: str | None = None
    excluded_clinicians: set[str] = field(default_factory=set)
    history: list[Transition] = field(default_factory=list)
    sla: SlaClock = field(init=False)
    projected_arrival: datetime | None = None
    assignment_why: str | None = None
    outcome: DispatchOutcome | None = None
    at_risk_warned_at: datetime | None = None
    breached_at: datetime | None = None

    def __post_init__(self) -> None:
        self.received_at = aware(self.received_at)
        if self.priority not in PRIORITIES:
            raise InvalidRequest(f"priority must be 1 (highest) to 3, got {self.priority}")
        unknown = set(self.skills_needed) - KNOWN_SKILLS
        if unknown:
            raise InvalidRequest(f"unknown skills: {', '.join(sorted(unknown))}")
        if not SHROPSHIRE_BOUNDS.contains(self.location.point):
            raise OutsideCounty(
                f"patient location E{self.location.easting:.0f} N{self.location.northing:.0f} "
                "is outside Shropshire"
            )
        self.skills_needed = frozenset(self.skills_needed)
        self.sla = SlaClock(received_at=self.received_at)
        if not self.history:
            self.history.append(Transition(RequestStatus.REQUESTED, self.received_at, None))

    @property
    def deadline(self) -> datetime:
        """Receipt plus 120 minutes."""
        return self.sla.deadline

    @property
    def is_open(self) -> bool:
        """Still needs a clinician at the door (not arrived, completed or cancelled)."""
        return self.status in (RequestStatus.REQUESTED, *HOLDING_CLINICIAN)

    def at(self, status: RequestStatus) -> datetime | None:
        """When the request last entered a status."""
        for step in reversed(self.history):
            if step.status is status:
                return step.at
        return None

    def assign(
        self,
        clinician_id: str,
        at: datetime,
        *,
        projected_arrival: datetime | None = None,
        why: str | None = None,
    ) -> None:
        """A coordinator (or the engine) gives the request to a clinician who has not declined."""
        self._expect({RequestStatus.REQUESTED}, "assign")
        self._not_excluded(clinician_id)
        self._step(RequestStatus.ASSIGNED, at, clinician_id, why or "")
        self.clinician_id = clinician_id
        self.projected_arrival = projected_arrival
        self.assignment_why = why

    def reassign(
        self,
        clinician_id: str,
        at: datetime,
        *,
        projected_arrival: datetime | None = None,
        why: str | None = None,
        reason: str = "",
    ) -> str:
        """Move the request to a better-placed clinician; returns the one released.

        The released clinician has not declined, so they may be offered the request again.
        """
        self._expect(HOLDING_CLINICIAN, "reassign")
        if clinician_id == self.clinician_id:
            raise InvalidTransition(f"request {self.id} is already with {clinician_id}")
        self._not_excluded(clinician_id)
        previous = self.clinician_id
        assert previous is not None
        note = f"reassigned from {previous}" + (f": {reason}" if reason else "")
        self._step(RequestStatus.ASSIGNED, at, clinician_id, note)
        self.clinician_id = clinician_id
        self.projected_arrival = projected_arrival
        self.assignment_why = why
        return previous

    def accept(self, clinician_id: str, at: datetime) -> None:
        """The assigned clinician takes the job."""
        self._expect({RequestStatus.ASSIGNED}, "accept")
        self._holder(clinician_id)
        self._step(RequestStatus.ACCEPTED, at, clinician_id)

    def decline(self, clinician_id: str, at: datetime, reason: str = "") -> None:
        """Back to the queue, and this clinician is not offered it again."""
        self._expect({RequestStatus.ASSIGNED, RequestStatus.ACCEPTED}, "decline")
        self._holder(clinician_id)
        self._step(RequestStatus.REQUESTED, at, None, f"declined by {clinician_id}: {reason}")
        self.excluded_clinicians.add(clinician_id)
        self._clear_assignment()

    def release(self, at: datetime, reason: str) -> str:
        """Hand the request back (shift handover); the clinician may be offered it again later."""
        self._expect(HOLDING_CLINICIAN, "release")
        previous = self.clinician_id
        assert previous is not None
        self._step(RequestStatus.REQUESTED, at, None, f"released by {previous}: {reason}")
        self._clear_assignment()
        return previous

    def depart(
        self, clinician_id: str, at: datetime, *, projected_arrival: datetime | None = None
    ) -> None:
        """The clinician set off towards the patient."""
        self._expect({RequestStatus.ACCEPTED}, "set off")
        self._holder(clinician_id)
        self._step(RequestStatus.EN_ROUTE, at, clinician_id)
        if projected_arrival is not None:
            self.projected_arrival = aware(projected_arrival)

    def arrive(self, clinician_id: str, at: datetime) -> None:
        """First in-person clinical contact: the SLA clock stops here."""
        self._expect({RequestStatus.ACCEPTED, RequestStatus.EN_ROUTE}, "arrive")
        self._holder(clinician_id)
        self._step(RequestStatus.ARRIVED, at, clinician_id)
        self.sla = self.sla.stop(aware(at))

    def complete(self, clinician_id: str, at: datetime, outcome: DispatchOutcome) -> Completion:
        """Record the outcome; a high-risk patient who stayed home is referred on."""
        self._expect({RequestStatus.ARRIVED}, "complete")
        self._holder(clinician_id)
        self._step(RequestStatus.COMPLETED, at, clinician_id, outcome.value)
        self.outcome = outcome
        return decide_completion(
            request_id=self.id,
            patient_ref=self.patient_ref,
            outcome=outcome,
            high_risk=self.high_risk,
            completed_at=aware(at),
        )

    def cancel(self, at: datetime, reason: str) -> None:
        """Stop before contact (patient admitted elsewhere, referral withdrawn)."""
        self._expect({RequestStatus.REQUESTED, *HOLDING_CLINICIAN}, "cancel")
        self._step(RequestStatus.CANCELLED, at, self.clinician_id, reason)

    def check_sla(self, now: datetime, warnings: SlaWarnings) -> list[SlaWarning]:
        """Decide and record the warnings due now, so each fires exactly once."""
        if self.status is RequestStatus.CANCELLED:
            return []
        due = warnings.due(
            self.sla,
            now,
            projected_arrival=self.projected_arrival if self.is_open else None,
            at_risk_warned_at=self.at_risk_warned_at,
            breached_at=self.breached_at,
            breach_reason=self.breach_reason(),
        )
        for warning in due:
            self.record_warning(warning)
        return due

    def record_warning(self, warning: SlaWarning) -> None:
        """Remember a fired warning; firing the same kind twice is refused."""
        if warning.kind is SlaEventKind.AT_RISK:
            if self.at_risk_warned_at is not None:
                raise WarningAlreadyFired(f"at-risk already fired for {self.id}")
            self.at_risk_warned_at = warning.fired_at
        else:
            if self.breached_at is not None:
                raise WarningAlreadyFired(f"breach already fired for {self.id}")
            self.breached_at = warning.fired_at

    def breach_reason(self) -> str:
        """Why contact has not happened yet, in the coordinator's words."""
        match self.status:
            case RequestStatus.REQUESTED:
                declined = len(self.excluded_clinicians)
                extra = f" ({declined} clinician(s) declined)" if declined else ""
                return "no clinician assigned before the deadline" + extra
            case RequestStatus.ASSIGNED:
                return f"assigned to {self.clinician_id} but not accepted before the deadline"
            case RequestStatus.ACCEPTED:
                return f"accepted by {self.clinician_id} but not yet en route at the deadline"
            case RequestStatus.EN_ROUTE:
                return f"{self.clinician_id} still travelling at the deadline"
            case _:
                return "deadline passed without clinical contact"

    def _expect(self, allowed: set[RequestStatus] | frozenset[RequestStatus], action: str) -> None:
        if self.status in CLOSED:
            raise RequestClosed(f"request {self.id} is {self.status.value}; cannot {action}")
        if self.status not in allowed:
            raise InvalidTransition(
                f"cannot {action} request {self.id} while it is {self.status.value}"
            )

    def _holder(self, clinician_id: str) -> None:
        if clinician_id != self.clinician_id:
            raise NotAssignedClinician(
                f"{clinician_id} does not hold request {self.id} (held by {self.clinician_id})"
            )

    def _not_excluded(self, clinician_id: str) -> None:
        if clinician_id in self.excluded_clinicians:
            raise ClinicianExcluded(f"{clinician_id} declined request {self.id} earlier")

    def _step(
        self, status: RequestStatus, at: datetime, clinician_id: str | None, note: str = ""
    ) -> None:
        at = aware(at)
        if at < self.history[-1].at:
            raise TimestampOutOfOrder(
                f"{status.value} at {at.isoformat()} precedes the previous step "
                f"at {self.history[-1].at.isoformat()}"
            )
        self.history.append(Transition(status, at, clinician_id, note))
        self.status = status

    def _clear_assignment(self) -> None:
        self.clinician_id = None
        self.projected_arrival = None
        self.assignment_why = None
