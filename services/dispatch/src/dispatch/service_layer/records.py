"""Loading the request and clinician a use case changes, and the routing of their events."""

from __future__ import annotations

from dataclasses import dataclass

from cch_messaging import EventRouting, MessagingUnitOfWork
from dispatch.adapters import repository as repo
from dispatch.adapters.repository import StoredRequest
from dispatch.domain.errors import UnknownClinician
from dispatch.domain.roster import Clinician
from dispatch.service_layer.errors import NotPermitted, RequestNotFound

AGGREGATE = "dispatch-request"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a clinician may only act on their own job; coordinators on any."""

    name: str
    clinician_id: str | None = None
    acts_for_any: bool = True


def event_key(stored: StoredRequest) -> EventRouting:
    """Opaque patient key (never the NHS number) and the request as aggregate."""
    return {
        "key": stored.patient_key,
        "aggregate_type": AGGREGATE,
        "aggregate_id": stored.request.id,
    }


async def load_request(uow: MessagingUnitOfWork, request_id: str) -> StoredRequest:
    """The request, locked for this transaction."""
    stored = await repo.get_request(uow.session, request_id, for_update=True)
    if stored is None:
        raise RequestNotFound(f"no request {request_id}")
    return stored


async def load_clinician(uow: MessagingUnitOfWork, clinician_id: str) -> Clinician:
    """The clinician, locked for this transaction."""
    clinician = await repo.get_clinician(uow.session, clinician_id, for_update=True)
    if clinician is None:
        raise UnknownClinician(f"no clinician {clinician_id} on the roster")
    return clinician


def holder_for(stored: StoredRequest, actor: Actor) -> str:
    """The clinician the step is for; a clinician acting for someone else is refused."""
    holder = stored.request.clinician_id or ""
    if not actor.acts_for_any and actor.clinician_id != holder:
        raise NotPermitted(f"request {stored.request.id} is not assigned to you")
    return holder
