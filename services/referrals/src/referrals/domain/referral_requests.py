"""A referral as one route sends it, before it opens a Referral or is linked to an open one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from referrals.domain.clock import require_aware
from referrals.domain.crisis import CrisisDetails
from referrals.domain.errors import InvalidReferral
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import PatientIdentity, SubmittedDemographics
from referrals.domain.reasons import CodedReason
from referrals.domain.references import REQUESTER_KINDS, Reference, ReferenceKind
from referrals.domain.vocabulary import CASE_MANAGEMENT, Locality, Priority, ReferralRoute, Tier

# Referrers' clocks drift; a letter "authored" a few minutes after we received it is not fraud.
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)

_ORG_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


@dataclass(frozen=True, slots=True)
class ReferrerIdentifier:
    """The referrer's own id for the referral (system + value): the conditional-create key."""

    system: str
    value: str

    def __post_init__(self) -> None:
        if not self.system.strip() or not self.value.strip():
            raise InvalidReferral("a referrer identifier needs both a system and a value")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralRequest:
    """A referral as it arrives from one route, before it is opened or linked."""

    patient: PatientIdentity
    route: ReferralRoute
    requester: Reference
    authored_on: datetime
    priority: Priority = Priority.ROUTINE
    reasons: tuple[CodedReason, ...] = ()
    practice_code: str | None = None
    locality: Locality | None = None
    referrer_identifier: ReferrerIdentifier | None = None
    crisis: CrisisDetails | None = None
    tier: Tier | None = None
    programme: str = CASE_MANAGEMENT
    demographics: SubmittedDemographics | None = None
    note: str = ""
    when_to_see: WhenToSee | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "authored_on", require_aware(self.authored_on, "authored_on"))
        object.__setattr__(self, "reasons", tuple(dict.fromkeys(self.reasons)))
        if self.priority is Priority.URGENT and self.crisis is None:
            raise InvalidReferral(
                "an urgent referral needs crisis details (location postcode and what is happening)"
            )
        if self.priority is Priority.ROUTINE and self.crisis is not None:
            raise InvalidReferral("crisis details come only with an urgent referral")
        allowed = REQUESTER_KINDS | (
            {ReferenceKind.PATIENT} if self.route is ReferralRoute.SELF else set()
        )
        if self.requester.kind not in allowed:
            raise InvalidReferral(
                f"a {self.route.value} referral cannot be requested by {self.requester.kind.value}"
            )
        if self.practice_code is not None:
            code = self.practice_code.strip().upper()
            if not _ORG_CODE.match(code):
                raise InvalidReferral(f"{self.practice_code!r} is not an ODS practice code")
            object.__setattr__(self, "practice_code", code)


@dataclass(frozen=True, slots=True, kw_only=True)
class Arrival:
    """One referral received: the first opened the record, later ones were linked to it."""

    route: ReferralRoute
    requester: Reference
    authored_on: datetime
    received_at: datetime
    priority: Priority
    referrer_identifier: ReferrerIdentifier | None
    reasons: tuple[CodedReason, ...]
    note: str = ""


def arrival_of(request: ReferralRequest, received: datetime) -> Arrival:
    """The arrival record kept on the referral for this request."""
    return Arrival(
        route=request.route,
        requester=request.requester,
        authored_on=request.authored_on,
        received_at=received,
        priority=request.priority,
        referrer_identifier=request.referrer_identifier,
        reasons=request.reasons,
        note=request.note,
    )


def check_authored(request: ReferralRequest, received: datetime) -> None:
    """A referral cannot be written after we received it (beyond clock skew)."""
    if request.authored_on > received + ALLOWED_CLOCK_SKEW:
        raise InvalidReferral(
            f"authored {request.authored_on.isoformat()} is after receipt "
            f"{received.isoformat()}: a referral cannot be written in the future"
        )
