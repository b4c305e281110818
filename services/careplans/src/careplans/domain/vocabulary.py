"""Care-pathway words of the careplans service; values match the shared event vocabulary."""

from __future__ import annotations

from enum import StrEnum

from cch_contracts.vocabulary import DischargeReason, Locality, Tier

__all__ = ["DischargeReason", "Locality", "Tier"]

PLAN_KIND_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT_KIND_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/alert-kind"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PATIENT_KEY_SYSTEM = "https://cch.example.nhs.uk/Id/patient-key"
CASE_ID_SYSTEM = "https://cch.example.nhs.uk/Id/case"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


class PlanKind(StrEnum):
    """CarePlan.category codes: the main plan and the two plans that are parts of it."""

    INTEGRATED = "integrated"
    EMERGENCY = "emergency"
    END_OF_LIFE = "end-of-life"


PLAN_KIND_DISPLAY: dict[PlanKind, str] = {
    PlanKind.INTEGRATED: "Integrated care plan",
    PlanKind.EMERGENCY: "Emergency Care Plan",
    PlanKind.END_OF_LIFE: "End of Life Plan",
}


class AlertKind(StrEnum):
    """Flag category/code codes, in the order a clinician arriving at a crisis reads them."""

    DNAR = "dnar"
    ALLERGY = "allergy"
    SAFEGUARDING = "safeguarding"
    LONE_WORKER = "lone-worker"


ALERT_KIND_DISPLAY: dict[AlertKind, str] = {
    AlertKind.DNAR: "Do not attempt cardiopulmonary resuscitation",
    AlertKind.ALLERGY: "Allergy",
    AlertKind.SAFEGUARDING: "Safeguarding concern",
    AlertKind.LONE_WORKER: "Lone worker risk",
}

# FHIR R4 required bindings (value sets fixed by the specification).
CAREPLAN_STATUS = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)
CAREPLAN_INTENT = frozenset({"proposal", "plan", "order", "option"})
CAREPLAN_ACTIVITY_STATUS = frozenset(
    {
        "not-started",
        "scheduled",
        "in-progress",
        "on-hold",
        "completed",
        "cancelled",
        "stopped",
        "unknown",
        "entered-in-error",
    }
)
CARETEAM_STATUS = frozenset({"proposed", "active", "suspended", "inactive", "entered-in-error"})
GOAL_LIFECYCLE_STATUS = frozenset(
    {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    }
)
FLAG_STATUS = frozenset({"active", "inactive", "entered-in-error"})
ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})

# Where each type keeps its status; DELETE records DELETED_STATUS there as a new version,
# after which a read answers 410 Gone (older versions stay readable by vread).
STATUS_FIELD: dict[str, str] = {
    "CarePlan": "status",
    "CareTeam": "status",
    "Goal": "lifecycleStatus",
    "Flag": "status",
}
DELETED_STATUS = "entered-in-error"
