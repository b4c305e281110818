"""Events from the referrals service."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic
from cch_contracts.vocabulary import Locality, NeedLevel, Priority, ReferralRoute, Tier

_P = "referrals"


class CodedReason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    code: str
    display: str | None = None


class CrisisLocation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    postcode: str
    easting: int | None = None
    northing: int | None = None


@event("cch.referral.received.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralReceived(EventPayload):
    """A referral arrived by any route (or was linked to an open one)."""

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    route: ReferralRoute
    routes: list[ReferralRoute]
    priority: Priority
    practice_code: str | None
    locality: Locality | None
    received_at: datetime
    linked_to_open_referral: bool = False
    reasons: list[CodedReason] = Field(default_factory=list)


@event("cch.referral.accepted.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralAccepted(EventPayload):
    """The MDT included the patient in case management at a need level."""

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    need_level: NeedLevel
    locality: Locality
    practice_code: str | None
    tier: Tier | None = None
    most_pressing_need: str | None = None
    eligibility_criteria: list[str] = Field(default_factory=list)
    decided_by: str
    decided_at: datetime


@event("cch.referral.excluded.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralExcluded(EventPayload):
    """The MDT excluded the patient until a next review date."""

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    reason: str
    next_review_on: date
    decided_by: str
    decided_at: datetime


@event("cch.referral.urgent.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralUrgent(EventPayload):
    """A crisis needing a rapid response: dispatch starts the 2-hour clock at receipt."""

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    received_at: datetime
    location: CrisisLocation
    reason: str = Field(max_length=1000)
    skills_needed: list[str] = Field(default_factory=list)
    locality: Locality | None = None
