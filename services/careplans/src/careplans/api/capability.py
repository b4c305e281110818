"""The CapabilityStatement: exactly the interactions and search parameters served here."""

from typing import Any

from careplans.service_layer.search import INCLUDES, PARAMS, REVINCLUDES
from cch_fhir.capability import capability_statement

_TYPES = {
    "date": "date",
    "_lastUpdated": "date",
    "patient": "reference",
    "subject": "reference",
    "care-team": "reference",
    "part-of": "reference",
    "participant": "reference",
    "_id": "token",
}
INTERACTIONS = [
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
]


def careplans_capability(base_url: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for rtype, params in PARAMS.items():
        names = sorted(params | {"_id", "_lastUpdated"})
        entry: dict[str, Any] = {
            "type": rtype,
            "interaction": [{"code": code} for code in INTERACTIONS],
            "versioning": "versioned-update",
            "readHistory": True,
            "updateCreate": False,
            "conditionalCreate": True,
            "conditionalUpdate": True,
            "conditionalDelete": "not-supported",
            "searchParam": [{"name": n, "type": _TYPES.get(n, "token")} for n in names],
            "operation": [
                {
                    "name": "validate",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                }
            ],
        }
        if rtype == "CarePlan":
            entry["searchInclude"] = sorted(INCLUDES)
            entry["searchRevInclude"] = sorted(REVINCLUDES)
        resources.append(entry)
    resources.append(
        {
            "type": "AuditEvent",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": "patient", "type": "reference"},
                {"name": "entity", "type": "reference"},
            ],
        }
    )
    return capability_statement(
        name="CarePlans",
        title="Care plans: CarePlan, CareTeam, Goal, Flag, Patient, AuditEvent",
        resources=resources,
        base_url=base_url,
    )
