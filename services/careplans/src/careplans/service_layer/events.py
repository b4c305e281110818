"""Events a care plan write emits: created, updated and status-changed (ids and status only)."""

from datetime import datetime
from typing import Any

from cch_contracts import EventPayload
from cch_contracts.events.careplans import CarePlanCreated, CarePlanStatusChanged, CarePlanUpdated


def careplan_events(
    before: dict[str, Any] | None, after: dict[str, Any], *, patient_key: str | None, at: datetime
) -> list[EventPayload]:
    if after.get("resourceType") != "CarePlan" or not patient_key:
        return []
    rid, version = after["id"], int(after["meta"]["versionId"])
    if before is None:
        categories = [
            c.get("code")
            for concept in after.get("category", []) or []
            for c in concept.get("coding", []) or []
            if c.get("code")
        ]
        return [
            CarePlanCreated(
                careplan_id=rid,
                patient_key=patient_key,
                status=after["status"],
                categories=categories,
                version=version,
                created_at=at,
            )
        ]
    events: list[EventPayload] = [
        CarePlanUpdated(careplan_id=rid, patient_key=patient_key, version=version, updated_at=at)
    ]
    if before.get("status") != after.get("status"):
        events.append(
            CarePlanStatusChanged(
                careplan_id=rid,
                patient_key=patient_key,
                from_status=str(before.get("status")),
                to_status=str(after.get("status")),
                version=version,
                changed_at=at,
            )
        )
    return events
