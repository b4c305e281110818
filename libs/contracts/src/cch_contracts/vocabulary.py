"""Care-pathway vocabulary shared by events, so services agree on values."""

from enum import StrEnum


class Tier(StrEnum):
    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class NeedLevel(StrEnum):
    SEVERE = "severe"
    MODERATE = "moderate"
    MILD = "mild"


class Locality(StrEnum):
    NORTH = "north"
    CENTRAL = "central"
    SOUTH = "south"


class ReferralRoute(StrEnum):
    PREDICTIVE = "predictive"
    GP = "gp"
    AE_FIT = "ae-fit"
    OTHER_CLINICIAN = "other-clinician"
    SELF = "self"
    GP_FLAG = "gp-flag"
    RAPID_RESPONSE = "rapid-response"


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class AssignmentKind(StrEnum):
    CASE_MANAGER = "case-manager"
    INTEGRATED_TEAM = "integrated-team"
    SELF_CARE = "self-care"


class DischargeReason(StrEnum):
    IMPROVED = "improved"
    PATIENT_CHOICE = "patient-choice"
    DIED = "died"


class DispatchOutcome(StrEnum):
    STAYED_HOME = "stayed-home"
    HOSPITAL_AT_HOME = "hospital-at-home"
    STEP_UP_BED = "step-up-bed"
    ADMITTED = "admitted"
    CONVEYED = "conveyed"
