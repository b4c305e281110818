"""Which service answers which FHIR resource type: one FHIR base for every client."""

FHIR_OWNERS: dict[str, str] = {
    "ServiceRequest": "referrals",
    "CarePlan": "careplans",
    "CareTeam": "careplans",
    "Goal": "careplans",
    "Flag": "careplans",
    "Patient": "careplans",
    "AuditEvent": "careplans",
    "RiskAssessment": "stratification",
    "List": "stratification",
}

FHIR_CAPABILITY_SOURCES: tuple[str, ...] = ("careplans", "referrals", "stratification")


def owner_of(resource_type: str) -> str | None:
    return FHIR_OWNERS.get(resource_type)
