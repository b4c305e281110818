"""AuditEvent over FHIR (ops and admin only): the access audit as R4 AuditEvent resources."""

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from careplans.adapters import search_sql
from careplans.adapters.tables import access_audit, resource
from careplans.fhir.search_query import DateFilter, ReferenceFilter, TokenFilter
from careplans.service_layer.audit_trail import audit_event
from careplans.service_layer.search import parse
from cch_fhir.bundle import fhir_base, searchset
from cch_fhir.errors import FhirError
from cch_fhir.http import FhirResponse
from cch_fhir.versioning import version_headers
from cch_servicekit.deps import RuntimeDep, require_roles

router = APIRouter(prefix="/fhir/AuditEvent", tags=["fhir"])
OpsOnly = Depends(require_roles("ops"))


def _conditions(request: Request) -> tuple[list[Any], Any]:
    query = parse("AuditEvent", request.query_params.multi_items(), strict=False)
    cond: list[Any] = []
    for flt in query.filters:
        if isinstance(flt, ReferenceFilter) and flt.param == "patient":
            ids = [v.id for v in flt.any_of if v.id]
            keys = sa.select(resource.c.patient_key).where(
                resource.c.type == "Patient", resource.c.id.in_(ids)
            )
            cond.append(access_audit.c.patient_key.in_(keys))
        elif isinstance(flt, ReferenceFilter):
            cond.append(
                sa.or_(
                    *(
                        sa.and_(
                            access_audit.c.resource_type == v.resource_type,
                            access_audit.c.resource_id == v.id,
                        )
                        for v in flt.any_of
                    )
                )
            )
        elif isinstance(flt, TokenFilter):
            match = access_audit.c.interaction.in_([t.code for t in flt.any_of])
            cond.append(sa.not_(match) if flt.negated else match)
        elif isinstance(flt, DateFilter):
            recorded = access_audit.c.recorded_at
            upper = recorded + sa.text("interval '1 microsecond'")
            cond.append(
                sa.or_(*(search_sql.date_condition(v, recorded, upper) for v in flt.any_of))
            )
        else:
            raise FhirError.of(400, "not-supported", f":missing is not supported on {flt.param}")
    descending = not query.sort or query.sort[0].descending
    order = access_audit.c.recorded_at.desc() if descending else access_audit.c.recorded_at.asc()
    return cond, (query, order)


@router.get("", dependencies=[OpsOnly], summary="Search audit events (newest first)")
async def search_audit(request: Request, runtime: RuntimeDep) -> Response:
    cond, (query, order) = _conditions(request)
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
                .order_by(order)
                .offset(query.offset)
                .limit(query.count)
            )
        ).all()
    bundle = searchset(
        request,
        matches=[audit_event(r) for r in rows],
        total=int(total),
        offset=query.offset,
        count=query.count,
    )
    for e in bundle.get("entry", []):
        e["fullUrl"] = f"{fhir_base(request)}/AuditEvent/{e['resource']['id']}"
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
    return FhirResponse(audit_event(row), headers=version_headers(1, row.recorded_at))
