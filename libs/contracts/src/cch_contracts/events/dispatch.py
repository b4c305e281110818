"""Events from the dispatch (rapid response) service."""

from datetime import datetime

from pydantic import Field

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic
from cch_contracts.vocabulary import DispatchOutcome, Locality, Tier

_P = "dispatch"


@event("cch.dispatch.requested.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchRequested(EventPayload):
    """A rapid-response request exists; its 2-hour clock started at receipt."""

    request_id: str
    patient_key: str
    referral_id: str | None
    received_at: datetime
    deadline: datetime
    priority: int = Field(ge=1, le=3)
    locality: Locality | None
    skills_needed: list[str]
    # From the coordinator taking the call or the patient's latest stratification tier.
    high_risk: bool = False


@event("cch.dispatch.assigned.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchAssigned(EventPayload):
    """A clinician was assigned to a request, with the reason."""

    request_id: str
    patient_key: str
    clinician_id: str
    projected_arrival: datetime
    why: str
    assigned_at: datetime
    # Set when the request moved from another clinician (re-planning, handover).
    previous_clinician_id: str | None = None
    # "coordinator" (one click on the board) or "engine" (auto-assign re-planning).
    assigned_by: str = "coordinator"


@event("cch.dispatch.accepted.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchAccepted(EventPayload):
    """The assigned clinician accepted the request."""

    request_id: str
    patient_key: str
    clinician_id: str
    accepted_at: datetime


@event("cch.dispatch.declined.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchDeclined(EventPayload):
    """The assigned clinician declined; the request needs another clinician."""

    request_id: str
    patient_key: str
    clinician_id: str
    reason: str
    declined_at: datetime


@event("cch.dispatch.en-route.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchEnRoute(EventPayload):
    """The clinician set off towards the patient."""

    request_id: str
    patient_key: str
    clinician_id: str
    departed_at: datetime


@event("cch.dispatch.arrived.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchArrived(EventPayload):
    """First in-person clinical contact: the SLA clock stops."""

    request_id: str
    patient_key: str
    clinician_id: str
    arrived_at: datetime
    response_minutes: float = Field(ge=0)
    within_sla: bool


@event("cch.dispatch.sla-at-risk.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchSlaAtRisk(EventPayload):
    """The 2-hour response is at risk (emitted once per request)."""

    request_id: str
    patient_key: str
    deadline: datetime
    projected_arrival: datetime | None
    minutes_left: float
    warned_at: datetime


@event("cch.dispatch.sla-breached.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchSlaBreached(EventPayload):
    """The 2-hour deadline passed without clinical contact (emitted once per request)."""

    request_id: str
    patient_key: str
    deadline: datetime
    breached_at: datetime
    reason: str


@event("cch.dispatch.cancelled.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchCancelled(EventPayload):
    """The request was cancelled before completion."""

    request_id: str
    patient_key: str
    reason: str
    cancelled_at: datetime


@event("cch.dispatch.completed.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchCompleted(EventPayload):
    """The response ended with an outcome; high-risk patients who stayed home are referred on."""

    request_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    clinician_id: str
    outcome: DispatchOutcome
    high_risk: bool
    refer_to_case_management: bool
    completed_at: datetime
    locality: Locality | None = None
    # The patient's latest stratification tier known to dispatch, if any.
    tier: Tier | None = None


@event("cch.dispatch.released.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchReleased(EventPayload):
    """A clinician handed a request back before reaching the patient (shift handover)."""

    request_id: str
    patient_key: str
    clinician_id: str
    reason: str
    released_at: datetime


@event("cch.dispatch.shift-started.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchShiftStarted(EventPayload):
    """A rapid-response clinician came on duty and can be sent."""

    clinician_id: str
    shift_start: datetime
    shift_end: datetime
    started_at: datetime


@event("cch.dispatch.shift-ended.v1", topic=Topic.DISPATCH, producer=_P)
class DispatchShiftEnded(EventPayload):
    """A clinician went off shift: requests not yet reached were handed over, on scene finishes."""

    clinician_id: str
    ended_at: datetime
    released_request_ids: list[str] = Field(default_factory=list)
    finishing_request_id: str | None = None
