"""The careplans CapabilityStatement, built from the same tables the search parser uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from careplans.fhir.search_params import INCLUDES, REVINCLUDES, SEARCH_PARAMETERS

FHIR_VERSION = "4.0.1"
VALIDATE_OPERATION = "http://hl7.org/fhir/OperationDefinition/Resource-validate"
WRITABLE_TYPES = ("CarePlan", "CareTeam", "Goal", "Flag", "Patient")
READ_ONLY_TYPES = ("AuditEvent",)

# DELETE keeps history: it records this status as a new version, then reads answer 410 Gone.
DELETE_AS_STATUS: dict[str, str] = {
    "CarePlan": "entered-in-error",
    "CareTeam": "entered-in-error",
    "Goal": "entered-in-error",
    "Flag": "entered-in-error",
}
_WRITE_INTERACTIONS = (
    "read",
    "vread",
    "history-instance",
    "history-type",
    "create",
    "update",
    "patch",
    "search-type",
)
_DOCS = {
    "update": "Requires If-Match with the current version (412 on conflict); no update-as-create",
    "patch": "JSON Patch (RFC 6902); id, resourceType and meta.versionId cannot change",
    "delete": "Marks the resource entered-in-error as a new version; history is kept",
    "search-type": "Results are limited to patients on whose care team the caller is",
}


def _interactions(codes: tuple[str, ...]) -> list[dict[str, Any]]:
    items = []
    for code in codes:
        item: dict[str, Any] = {"code": code}
        if code in _DOCS:
            item["documentation"] = _DOCS[code]
        items.append(item)
    return items


def _search_params(resource_type: str) -> list[dict[str, Any]]:
    return [
        {"name": d.name, "type": d.type.value, "documentation": d.documentation}
        for d in SEARCH_PARAMETERS[resource_type].values()
    ]


def resource_capability(resource_type: str) -> dict[str, Any]:
    """One rest.resource entry."""
    writable = resource_type in WRITABLE_TYPES
    codes = _WRITE_INTERACTIONS if writable else ("read", "search-type")
    if resource_type in DELETE_AS_STATUS:
        codes = (*codes, "delete")
    entry: dict[str, Any] = {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": _interactions(codes),
        "versioning": "versioned-update" if writable else "versioned",
        "readHistory": writable,
        "updateCreate": False,
        "conditionalCreate": writable,
        "conditionalRead": "not-supported",
        "conditionalUpdate": writable,
        "conditionalDelete": "not-supported",
        "searchParam": _search_params(resource_type),
    }
    includes = INCLUDES.get(resource_type)
    if includes:
        entry["searchInclude"] = [f"{resource_type}:{p}" for p in includes]
    revincludes = REVINCLUDES.get(resource_type)
    if revincludes:
        entry["searchRevInclude"] = sorted(f"{i.source}:{i.param}" for i in revincludes)
    if writable:
        entry["operation"] = [{"name": "validate", "definition": VALIDATE_OPERATION}]
    return entry


def resource_capabilities() -> list[dict[str, Any]]:
    """rest.resource for every type careplans serves (for cch_fhir.capability_statement)."""
    return [resource_capability(t) for t in (*WRITABLE_TYPES, *READ_ONLY_TYPES)]


def capability_statement(*, on: date, base_url: str | None = None) -> dict[str, Any]:
    """A complete R4 CapabilityStatement for careplans alone (the gateway merges its own)."""
    statement: dict[str, Any] = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": on.isoformat(),
        "publisher": "Care Closer to Home platform",
        "kind": "instance",
        "name": "CarePlansServer",
        "title": "Care Closer to Home shared care plans",
        "software": {"name": "cch-careplans", "version": "0.1.0"},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": True,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "Bearer JWT with SMART v2 scopes (user/CarePlan.rs, "
                    "system/CarePlan.cruds); users see only patients on whose care team they are",
                },
                "resource": resource_capabilities(),
                "operation": [{"name": "validate", "definition": VALIDATE_OPERATION}],
            }
        ],
    }
    if base_url:
        statement["implementation"] = {"description": statement["title"], "url": base_url}
    return statement
