"""Code systems and required bindings the care plan resources use, in one place."""

from enum import StrEnum

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PATIENT_KEY_SYSTEM = "https://cch.example.nhs.uk/Id/patient-key"
CASE_ID_SYSTEM = "https://cch.example.nhs.uk/Id/case-id"
PLAN_KIND_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT_KIND_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/alert-kind"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


class PlanKind(StrEnum):
    """CarePlan.category: the one integrated plan and the plans that are parts of it."""

    INTEGRATED = "integrated"
    EMERGENCY = "emergency"
    END_OF_LIFE = "end-of-life"


PLAN_KIND_DISPLAY = {
    PlanKind.INTEGRATED: "Integrated care plan",
    PlanKind.EMERGENCY: "Emergency Care Plan",
    PlanKind.END_OF_LIFE: "End of Life Plan",
}


class AlertKind(StrEnum):
    """Flag.code: alerts shown to everyone involved, in the order a crisis clinician needs them."""

    DNAR = "dnar"
    ALLERGY = "allergy"
    SAFEGUARDING = "safeguarding"
    LONE_WORKER = "lone-worker"


ALERT_DISPLAY = {
    AlertKind.DNAR: "Do not attempt cardiopulmonary resuscitation",
    AlertKind.ALLERGY: "Medication allergy",
    AlertKind.SAFEGUARDING: "Safeguarding concern",
    AlertKind.LONE_WORKER: "Lone worker risk",
}

CRISIS_ALERT_ORDER = (
    AlertKind.DNAR,
    AlertKind.ALLERGY,
    AlertKind.SAFEGUARDING,
    AlertKind.LONE_WORKER,
)

# Required bindings (FHIR R4) that fhir.resources does not enforce itself.
REQUIRED_CODES: dict[str, dict[str, frozenset[str]]] = {
    "CarePlan": {
        "status": frozenset(
            {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
        ),
        "intent": frozenset({"proposal", "plan", "order", "option"}),
    },
    "CareTeam": {
        "status": frozenset({"proposed", "active", "suspended", "inactive", "entered-in-error"}),
    },
    "Goal": {
        "lifecycleStatus": frozenset(
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
        ),
    },
    "Flag": {"status": frozenset({"active", "inactive", "entered-in-error"})},
    "Patient": {"gender": frozenset({"male", "female", "other", "unknown"})},
}

ACTIVITY_STATUSES = frozenset(
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

# What DELETE does: the resource stays readable with a status that says it no longer applies.
RETIRED_STATUS: dict[str, tuple[str, str]] = {
    "CarePlan": ("status", "revoked"),
    "CareTeam": ("status", "inactive"),
    "Goal": ("lifecycleStatus", "cancelled"),
    "Flag": ("status", "inactive"),
    "Patient": ("active", "false"),
}

STATUS_FIELD = {
    "CarePlan": "status",
    "CareTeam": "status",
    "Goal": "lifecycleStatus",
    "Flag": "status",
}
