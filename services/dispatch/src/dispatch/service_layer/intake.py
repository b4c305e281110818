"""Taking a crisis in: a call or an urgent referral becomes a timed request on the board."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cch_contracts.events.dispatch import DispatchRequested
from cch_contracts.vocabulary import Locality as ContractLocality
from cch_messaging import MessagingUnitOfWork
from dispatch.adapters import postcodes, risk
from dispatch.adapters import repository as repo
from dispatch.adapters.repository import StoredRequest
from dispatch.domain.geography import Location
from dispatch.domain.requests import RapidResponse
from dispatch.service_layer.errors import OpenRequestExists
from dispatch.service_layer.records import event_key


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A crisis call or urgent referral, before it has a location on the grid."""

    patient_key: str
    received_at: datetime
    postcode: str
    reason: str
    easting: float | None = None
    northing: float | None = None
    skills_needed: frozenset[str] = frozenset()
    priority: int = 2
    nhs_number: str | None = None
    referral_id: str | None = None
    care_plan_alerts_ref: str | None = None
    high_risk: bool = False
    locality: str | None = None
    # A coordinator's call must name a real county postcode; a referral with a grid point need not.
    postcode_required: bool = False


def locate(new: NewRequest) -> tuple[Location, str]:
    """Grid point and locality; a postcode alone must resolve or the request is refused."""
    if new.easting is not None and new.northing is not None and not new.postcode_required:
        try:
            resolved = postcodes.resolve(new.postcode)
            postcode, locality = resolved.postcode, resolved.locality.value
        except postcodes.UnknownPostcode:
            postcode = new.postcode.strip().upper()
            locality = postcodes.locality_at(new.northing).value
        return Location(postcode, float(new.easting), float(new.northing)), (
            new.locality or locality
        )
    resolved = postcodes.resolve(new.postcode)
    # A fix from the caller (e.g. a phone's location) is more precise than the postcode's.
    easting = resolved.easting if new.easting is None else float(new.easting)
    northing = resolved.northing if new.northing is None else float(new.northing)
    return Location(resolved.postcode, easting, northing), new.locality or resolved.locality.value


async def open_request(
    uow: MessagingUnitOfWork, new: NewRequest, *, now: datetime, actor: str | None
) -> tuple[StoredRequest, bool]:
    """Create a timed request (or return the one for this referral); False when it existed."""
    session = uow.session
    if new.referral_id is not None:
        existing = await repo.by_referral(session, new.referral_id)
        if existing is not None:
            return existing, False
    held = await repo.open_for_patient(session, new.patient_key)
    if held is not None:
        raise OpenRequestExists(
            f"the patient already has open request {held.request.id} ({held.request.status.value})"
        )
    location, locality = locate(new)
    # The caller's judgement, or the latest stratification tier this service has heard of.
    high_risk = new.high_risk or await risk.is_high_risk(session, new.patient_key)
    request = RapidResponse(
        id=f"rr-{uuid.uuid4().hex[:16]}",
        patient_ref=new.patient_key,
        received_at=new.received_at,
        location=location,
        reason=new.reason,
        skills_needed=frozenset(new.skills_needed),
        priority=new.priority,
        care_plan_alerts_ref=new.care_plan_alerts_ref,
        high_risk=high_risk,
    )
    try:
        async with session.begin_nested():
            await repo.insert_request(
                session,
                request,
                referral_id=new.referral_id,
                nhs_number=new.nhs_number,
                locality=locality,
                now=now,
            )
    except sa.exc.IntegrityError:
        raise OpenRequestExists("the patient already has an open request") from None
    stored = await repo.get_request(session, request.id)
    assert stored is not None
    uow.publish(
        DispatchRequested(
            request_id=request.id,
            patient_key=new.patient_key,
            referral_id=new.referral_id,
            received_at=request.received_at,
            deadline=request.deadline,
            priority=request.priority,
            locality=ContractLocality(locality) if locality else None,
            skills_needed=sorted(request.skills_needed),
            high_risk=request.high_risk,
        ),
        **event_key(stored),
    )
    return stored, True
