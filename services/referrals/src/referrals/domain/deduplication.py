"""One open referral per patient per programme: a second referral is linked, not duplicated.

Order of the rule, given what the caller found for the patient and the referrer's identifier:
1. The same referrer identifier (system + value) was already received → nothing changes; the
   referral holding it is returned (FHIR conditional create, replayed events). The identifier on
   another patient's referral is a conflict, refused rather than merged.
2. The patient has an open referral in the programme → the new one is linked to it (both routes
   kept). Should more than one be open (legacy data), the oldest takes the link.
3. Otherwise a new referral is opened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from referrals.domain.errors import IdentifierConflict
from referrals.domain.referral_requests import ReferralRequest
from referrals.domain.referrals import Referral


class ArrivalOutcome(StrEnum):
    """What receiving a referral did."""

    CREATED = "created"
    LINKED = "linked"
    ALREADY_RECEIVED = "already-received"


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The referral that now holds the request, and how it got there."""

    referral: Referral
    outcome: ArrivalOutcome


def find_by_identifier(referrals: Iterable[Referral], request: ReferralRequest) -> Referral | None:
    """The referral already holding the request's referrer identifier, if any."""
    wanted = request.referrer_identifier
    if wanted is None:
        return None
    for referral in referrals:
        if wanted in referral.identifiers:
            if referral.patient.patient_key != request.patient.patient_key:
                raise IdentifierConflict(
                    f"identifier {wanted.system}|{wanted.value} already names referral "
                    f"{referral.referral_id} for another patient"
                )
            return referral
    return None


def open_referral_for(
    referrals: Iterable[Referral], *, patient_key: str, programme: str
) -> Referral | None:
    """The patient's open referral in the programme (the oldest, should there be several)."""
    candidates = [
        r
        for r in referrals
        if r.is_open and r.patient.patient_key == patient_key and r.programme == programme
    ]
    return min(candidates, key=lambda r: (r.received_at, r.referral_id), default=None)


def link_or_create(
    request: ReferralRequest,
    *,
    existing: Iterable[Referral],
    referral_id: str,
    received_at: datetime,
) -> LinkResult:
    """Apply the one-open-referral rule to a request; `referral_id` is used only if created."""
    known = list(existing)
    already = find_by_identifier(known, request)
    if already is not None:
        return LinkResult(already, ArrivalOutcome.ALREADY_RECEIVED)
    open_one = open_referral_for(
        known, patient_key=request.patient.patient_key, programme=request.programme
    )
    if open_one is not None:
        open_one.link(request, received_at=received_at)
        return LinkResult(open_one, ArrivalOutcome.LINKED)
    created = Referral.open(request, referral_id=referral_id, received_at=received_at)
    return LinkResult(created, ArrivalOutcome.CREATED)
