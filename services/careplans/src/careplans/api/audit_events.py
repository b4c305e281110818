"""AuditEvent over FHIR (ops and admin only): the access audit as R4 AuditEvent resources."""

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from careplans.adapters.tables import access_audit
from cch_fhir.bundle import paging, public_base, searchset
from cch_fhir.errors import FhirError
from cch_fhir.http import FhirResponse
from cch_servicekit.deps import RuntimeDep, require_roles

router = APIRouter(prefix="/fhir/AuditEvent", tags=["fhir"])
OpsOnly = Depends(require_roles("ops"))


def audit_event(row: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(row.id),
        "meta": {"versionId": "1", "lastUpdated": row.recorded_at.isoformat()},
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "Restful Operation",
        },
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": row.interaction}],
        "action": row.action,
        "recorded": row.recorded_at.isoformat(),
        "outcome": row.outcome,
        "agent": [
            {
                "who": {"identifier": {"value": row.actor}},
                "requestor": True,
                "role": [{"text": r} for r in row.actor_roles],
            }
        ],
        "source": {"observer": {"display": "careplans"}},
    }
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


@router.get("", dependencies=[OpsOnly], summary="Search audit events (newest first)")
async def search_audit(request: Request, runtime: RuntimeDep) -> Response:
    count, offset = paging(request.query_params.get("_count"), request.query_params.get("_offset"))
    cond = []
    if entity := request.query_params.get("entity"):
        rtype, _, rid = entity.rpartition("/")
        cond += [access_audit.c.resource_type == rtype, access_audit.c.resource_id == rid]
    if patient := request.query_params.get("patient"):
        cond.append(access_audit.c.patient_key == patient)
    async with runtime.uow() as uow:
        total = (
            await uow.session.execute(
                sa.select(sa.func.count()).select_from(access_audit).where(*cond)
            )
        ).scalar_one()
        rows = (
            await uow.session.execute(
                sa.select(access_audit)
                .where(*cond)
                .order_by(access_audit.c.recorded_at.desc())
                .offset(offset)
                .limit(count)
            )
        ).all()
    bundle = searchset(
        request,
        matches=[audit_event(r) for r in rows],
        total=int(total),
        offset=offset,
        count=count,
    )
    for e in bundle.get("entry", []):
        e["fullUrl"] = f"{public_base(request)}/fhir/AuditEvent/{e['resource']['id']}"
    return FhirResponse(bundle)


@router.get("/{rid}", dependencies=[OpsOnly], summary="Read an audit event")
async def read_audit(rid: str, runtime: RuntimeDep) -> Response:
    try:
        key = uuid.UUID(rid)
    except ValueError as exc:
        raise FhirError.of(404, "not-found", f"AuditEvent/{rid} is not known") from exc
    async with runtime.uow() as uow:
        row = (
            await uow.session.execute(sa.select(access_audit).where(access_audit.c.id == key))
        ).first()
    if row is None:
        raise FhirError.of(404, "not-found", f"AuditEvent/{rid} is not known")
    return FhirResponse(audit_event(row))
