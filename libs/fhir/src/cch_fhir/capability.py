"""CapabilityStatement pieces: each service lists what it serves; the gateway merges them."""

from datetime import UTC, datetime
from typing import Any

SMART_SECURITY = {
    "cors": True,
    "service": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR",
                }
            ]
        }
    ],
    "description": "Bearer JWT (RS256) with SMART v2 scopes, e.g. system/CarePlan.rs",
}


def capability_statement(
    *,
    name: str,
    title: str,
    resources: list[dict[str, Any]],
    base_url: str | None = None,
    interactions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": datetime.now(UTC).date().isoformat(),
        "publisher": "Care Closer to Home platform",
        "kind": "instance",
        "name": name,
        "title": title,
        "software": {"name": "cch-platform", "version": "0.1.0"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{"mode": "server", "security": SMART_SECURITY, "resource": resources}],
    }
    if interactions:
        statement["rest"][0]["interaction"] = interactions
    if base_url:
        statement["implementation"] = {"description": title, "url": base_url}
    return statement


def merge(statements: list[dict[str, Any]], *, base_url: str) -> dict[str, Any]:
    """One statement for the gateway's single FHIR base, from each service's own."""
    resources: list[dict[str, Any]] = []
    system_level: dict[str, dict[str, Any]] = {}
    for st in statements:
        for rest in st.get("rest", []):
            resources.extend(rest.get("resource", []))
            for interaction in rest.get("interaction", []):
                system_level.setdefault(str(interaction.get("code")), interaction)
    resources.sort(key=lambda r: str(r.get("type")))
    return capability_statement(
        name="CareCloserToHome",
        title="Care Closer to Home FHIR API",
        resources=resources,
        base_url=base_url,
        interactions=[system_level[code] for code in sorted(system_level)],
    )
