"""Care-pathway words of the caseload service; values match the shared event vocabulary."""

from __future__ import annotations

from enum import StrEnum

from caseload.domain.errors import UnknownLocality, UnknownNeed
from cch_contracts.vocabulary import AssignmentKind, DischargeReason, Locality, NeedLevel, Tier

# The shared words are the events' own, so caseload and its events cannot drift apart.
__all__ = ["AssignmentKind", "DischargeReason", "Locality", "NeedLevel", "Tier"]


class MostPressingNeed(StrEnum):
    """The need that decides which profession should be the patient's case manager."""

    NURSING = "nursing"
    SOCIAL = "social"
    MENTAL_HEALTH = "mental-health"
    THERAPY = "therapy"
    MEDICINES = "medicines"
    END_OF_LIFE = "end-of-life"


class Profession(StrEnum):
    """Professional background of a case manager (the seed: nurse, social worker, ...)."""

    COMMUNITY_NURSE = "community-nurse"
    COMMUNITY_MATRON = "community-matron"
    SOCIAL_WORKER = "social-worker"
    OCCUPATIONAL_THERAPIST = "occupational-therapist"
    PHYSIOTHERAPIST = "physiotherapist"
    MENTAL_HEALTH_NURSE = "mental-health-nurse"
    PHARMACIST = "pharmacist"


class CaseStatus(StrEnum):
    """Where a case stands; discharged, transferred (out) and withdrawn are closed.

    Withdrawn: the case should not have been opened (the referral was entered in error, or its
    inclusion was withdrawn and the case closed with a handover). It is not a discharge.
    """

    WAITING = "waiting"
    ACTIVE = "active"
    DISCHARGED = "discharged"
    TRANSFERRED = "transferred"
    WITHDRAWN = "withdrawn"


CLOSED_STATUSES = frozenset({CaseStatus.DISCHARGED, CaseStatus.TRANSFERRED, CaseStatus.WITHDRAWN})


class AttentionAction(StrEnum):
    """What a case flagged on the attention worklist needs from its case manager or team lead."""

    CLOSE_WITH_HANDOVER = "close-with-handover"  # the inclusion was withdrawn or revoked
    ASSIGN_CASE_MANAGER = "assign-case-manager"  # corrected to severe; nobody had room


class ReviewOutcome(StrEnum):
    """MDT review decisions from the seed's monitoring cycle."""

    CONTINUE = "continue"
    ADJUST_PLAN = "adjust-plan"
    TRANSFER = "transfer"
    DISCHARGE = "discharge"


class TransferSetting(StrEnum):
    """Settings a case can move to; the integrated care team keeps it on the programme."""

    INTEGRATED_CARE_TEAM = "integrated-care-team"
    HOSPITAL_AT_HOME = "hospital-at-home"
    PRIMARY_CARE = "primary-care"
    SOCIAL_CARE = "social-care"


# Tier → Shropshire label, for reporting only (the MDT sets need level, not this table).
SHROPSHIRE_LABEL: dict[Tier, str] = {
    Tier.HIGHEST: "severe",
    Tier.HIGH: "moderate",
    Tier.MEDIUM: "mild",
    Tier.LOW: "mild",
}

# Registered population share per locality (seed Appendix A).
LOCALITY_SHARE: dict[Locality, float] = {
    Locality.NORTH: 0.316,
    Locality.CENTRAL: 0.302,
    Locality.SOUTH: 0.382,
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


def parse_locality(value: str | Locality) -> Locality:
    """Locality from its value, refusing anything outside North, Central and South."""
    if isinstance(value, Locality):
        return value
    try:
        return Locality(value.strip().lower())
    except ValueError:
        raise UnknownLocality(f"unknown locality {value!r}: use north, central or south") from None


def parse_need(value: str | MostPressingNeed | None) -> MostPressingNeed:
    """Most pressing need from a referral; none given means nursing, the generalist default."""
    if value is None or isinstance(value, MostPressingNeed):
        return value or MostPressingNeed.NURSING
    try:
        return MostPressingNeed(value.strip().lower())
    except ValueError:
        known = ", ".join(n.value for n in MostPressingNeed)
        raise UnknownNeed(f"unknown most pressing need {value!r}: use one of {known}") from None
