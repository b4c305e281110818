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

# A transaction or batch Bundle posted to the base: the only Bundles served load activity data.
FHIR_BUNDLE_OWNER = "stratification"

FHIR_CAPABILITY_SOURCES: tuple[str, ...] = ("careplans", "referrals", "stratification")


def owner_of(resource_type: str) -> str | None:
    return FHIR_OWNERS.get(resource_type)


# Paths a browser opens without a bearer header: the coordinator board's page and static files
# (no patient data in them), and its event stream, which carries its own single-use ticket that
# the service checks. Everything else under /api needs a token at the edge.
PUBLIC_GETS: dict[str, tuple[str, ...]] = {
    "dispatch": ("board/live", "board/assets/", "board/stream"),
}


def is_public(method: str, service: str, path: str) -> bool:
    """True for the few GETs a browser makes before it can send a token."""
    if method != "GET" or any(part in {"..", "."} for part in path.split("/")):
        return False
    return any(
        path == allowed or (allowed.endswith("/") and path.startswith(allowed))
        for allowed in PUBLIC_GETS.get(service, ())
    )
