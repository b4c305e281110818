"""Care-pathway words of the referrals service; values match the shared event vocabulary."""

from __future__ import annotations

from enum import StrEnum

# The shared words are the events' own, so referrals and its events cannot drift apart.
from cch_contracts.events.referrals import ReferralStatus
from cch_contracts.vocabulary import Locality, NeedLevel, Priority, ReferralRoute, Tier

__all__ = ["Locality", "NeedLevel", "Priority", "ReferralRoute", "ReferralStatus", "Tier"]

# Our CodeSystems and identifier systems (FHIR canonical URLs of this programme).
ROUTE_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/referral-route"
PROGRAMME_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/programme"
PATIENT_KEY_SYSTEM = "https://cch.example.nhs.uk/Id/patient-key"
PREDICTIVE_REFERRAL_SYSTEM = "https://cch.example.nhs.uk/Id/predictive-referral"
SELF_REFERRAL_SYSTEM = "https://cch.example.nhs.uk/Id/self-referral"
ODS_ORGANISATION_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED_CT = "http://snomed.info/sct"
ICD_10 = "http://hl7.org/fhir/sid/icd-10"

# The one programme referrals are made into today; kept explicit so dedup says "per programme".
CASE_MANAGEMENT = "case-management"


class MostPressingNeed(StrEnum):
    """The need that decides the case manager's profession (caseload's vocabulary)."""

    NURSING = "nursing"
    SOCIAL = "social"
    MENTAL_HEALTH = "mental-health"
    THERAPY = "therapy"
    MEDICINES = "medicines"
    END_OF_LIFE = "end-of-life"


OPEN_STATUSES = frozenset({ReferralStatus.DRAFT, ReferralStatus.ACTIVE, ReferralStatus.ON_HOLD})

# The seed's "20% direct referrals": every route but the predictive report.
DIRECT_ROUTES = frozenset(r for r in ReferralRoute if r is not ReferralRoute.PREDICTIVE)

ROUTE_DISPLAY: dict[ReferralRoute, str] = {
    ReferralRoute.PREDICTIVE: "Predictive report (risk stratification)",
    ReferralRoute.GP: "GP referral",
    ReferralRoute.AE_FIT: "A&E Frailty Intervention Team",
    ReferralRoute.OTHER_CLINICIAN: "Other clinician",
    ReferralRoute.SELF: "Patient self-referral",
    ReferralRoute.GP_FLAG: "GP flag from clinical knowledge or registers",
    ReferralRoute.RAPID_RESPONSE: "Rapid response (stayed home after a crisis)",
}

_TIER_RANK: dict[Tier | None, int] = {
    Tier.HIGHEST: 0,
    Tier.HIGH: 1,
    Tier.MEDIUM: 2,
    Tier.LOW: 3,
    None: 4,
}


def tier_rank(tier: Tier | None) -> int:
    """Sort key putting the highest tier first and unscored patients last."""
    return _TIER_RANK[tier]
