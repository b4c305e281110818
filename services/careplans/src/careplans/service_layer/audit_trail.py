"""An access-audit row as an R4 AuditEvent; break-glass access is marked so ops can find it."""

from typing import Any

BREAK_GLASS = "break-glass"
_INTERACTIONS = "http://hl7.org/fhir/restful-interaction"
_PURPOSE = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_SUBTYPES = "https://cch.example.nhs.uk/CodeSystem/audit-subtype"


def audit_event(row: Any) -> dict[str, Any]:
    recorded = row.recorded_at.isoformat()
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(row.id),
        "meta": {"versionId": "1", "lastUpdated": recorded},
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "Restful Operation",
        },
        "action": row.action,
        "recorded": recorded,
        "outcome": row.outcome,
        "agent": [
            {
                "who": {"identifier": {"value": row.actor}},
                "requestor": True,
                "role": [{"text": r} for r in row.actor_roles] or [{"text": "none"}],
            }
        ],
        "source": {"observer": {"display": "careplans"}},
    }
    if row.interaction == BREAK_GLASS:
        event["subtype"] = [
            {"system": _SUBTYPES, "code": BREAK_GLASS, "display": "Break-glass access"},
            {"system": _INTERACTIONS, "code": "read"},
        ]
        purpose = {
            "coding": [{"system": _PURPOSE, "code": "BTG", "display": "break the glass"}],
            "text": row.detail or "break-glass",
        }
        event["purposeOfEvent"] = [purpose]
        event["agent"][0]["purposeOfUse"] = [purpose]
    else:
        event["subtype"] = [{"system": _INTERACTIONS, "code": row.interaction}]
    if row.organisation:
        event["agent"][0]["who"]["display"] = f"{row.actor} ({row.organisation})"
    if row.detail:
        event["outcomeDesc"] = row.detail
    entity: dict[str, Any] = {}
    if row.resource_id:
        entity["what"] = {"reference": f"{row.resource_type}/{row.resource_id}"}
    else:
        entity["what"] = {"display": row.resource_type}
    if row.patient_key:
        entity["name"] = row.patient_key
    event["entity"] = [entity]
    return event
