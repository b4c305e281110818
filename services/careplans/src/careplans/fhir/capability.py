"""The careplans CapabilityStatement, built from the same tables the search parser uses."""

from __future__ import annotations

from typing import Any

from careplans.domain.vocabulary import STATUS_FIELD
from careplans.fhir.search_params import INCLUDES, REVINCLUDES, SEARCH_PARAMETERS
from cch_fhir.capability import capability_statement as platform_statement

FHIR_VERSION = "4.0.1"
VALIDATE_OPERATION = "http://hl7.org/fhir/OperationDefinition/Resource-validate"
WRITABLE_TYPES = ("CarePlan", "CareTeam", "Goal", "Flag", "Patient")
READ_ONLY_TYPES = ("AuditEvent",)

# DELETE keeps history: it records entered-in-error as a new version, then reads answer 410.
DELETABLE_TYPES = tuple(STATUS_FIELD)
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
    "update": "If-Match (weak ETag) makes it version-aware: 412 on a stale version; "
    "no update-as-create",
    "patch": "JSON Patch (RFC 6902); id, resourceType and meta.versionId cannot change",
    "delete": "Records entered-in-error as a new version; reads then answer 410 Gone, vread of "
    "earlier versions still works, search leaves it out; deleting again is a no-op",
    "search-type": "Results are limited to patients on whose care team the caller is",
}


_TYPE_DOCS = {
    "Patient": "One Patient per NHS number (identifier system https://fhir.nhs.uk/Id/nhs-number): "
    "a create that would hold a second one is refused with 409. Conditional create and update "
    "match the NHS number among every patient held, not only those the caller can see. A "
    "conditional create that matches answers 200 and stores nothing: with the Patient when the "
    "caller may read it, otherwise with Location (its id, to register the caller's CareTeam) "
    "and an OperationOutcome, without its content. A conditional update that matches a patient "
    "whose care team the caller is not on is refused with 403. Conditional creates sent at the "
    "same moment are answered as if one came after the other: one 201, the rest 200. A Patient "
    "merged into another (one NHS number held twice) stays readable by id, inactive, with a "
    "link of type replaced-by to the survivor, which holds its records and its identifiers; "
    "only the survivor is found by identifier, and records cannot be added to the merged one.",
    "AuditEvent": 'Read-only; an AuditEvent never changes, so each is version 1 (ETag W/"1").',
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
    if resource_type in DELETABLE_TYPES:
        codes = (*codes, "delete")
    entry: dict[str, Any] = {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": _interactions(codes),
        # AuditEvents never change: each is version 1, sent with ETag W/"1"
        "versioning": "versioned-update" if writable else "versioned",
        "readHistory": writable,
        "updateCreate": False,
        "conditionalCreate": writable,
        "conditionalRead": "not-supported",
        "conditionalUpdate": writable,
        "conditionalDelete": "not-supported",
        "searchParam": _search_params(resource_type),
    }
    if resource_type in _TYPE_DOCS:
        entry["documentation"] = _TYPE_DOCS[resource_type]
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


def capability_statement(*, base_url: str | None = None) -> dict[str, Any]:
    """The platform's R4 CapabilityStatement (cch_fhir) listing exactly what careplans serves."""
    statement = platform_statement(
        name="CarePlansServer",
        title="Care Closer to Home shared care plans",
        resources=resource_capabilities(),
        base_url=base_url,
    )
    statement["patchFormat"] = ["application/json-patch+json"]
    rest = statement["rest"][0]
    rest["security"] = {
        **rest["security"],
        "description": "Bearer JWT with SMART v2 scopes (user/CarePlan.rs, system/CarePlan.cruds); "
        "users see only patients on whose care team they are, systems only patients whose care "
        "team includes their organisation",
    }
    rest["operation"] = [
        {
            "name": "validate",
            "definition": VALIDATE_OPERATION,
            "documentation": "POST [base]/$validate validates a "
            + ", ".join(WRITABLE_TYPES)
            + " (or Parameters with a resource) by its resourceType; nothing is stored",
        }
    ]
    return statement
