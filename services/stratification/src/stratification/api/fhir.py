"""FHIR RiskAssessment: each patient's scored risk, read and searched by EHRs."""

from datetime import timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request

from cch_auth import Interaction, Principal
from cch_auth.errors import forbidden
from cch_contracts import patient_key
from cch_fhir.bundle import paging, searchset
from cch_fhir.capability import capability_statement
from cch_fhir.errors import FhirError
from cch_fhir.http import FhirResponse
from cch_servicekit import PrincipalDep, RuntimeDep
from cch_servicekit.audit import record_access
from stratification.adapters.run_tables import model_version, patient_score, run
from stratification.adapters.tables import access_audit, patient

router = APIRouter(prefix="/fhir", tags=["fhir"])
NHS = "https://fhir.nhs.uk/Id/nhs-number"
TIER_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/risk-tier"
MODEL_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/risk-model"
SEARCH_PARAMS = (
    "patient",
    "subject:identifier",
    "patient:identifier",
    "risk",
    "date",
    "_count",
    "_offset",
)


def _reader(interaction: Interaction) -> Any:
    def check(principal: PrincipalDep) -> Principal:
        if not principal.permits("RiskAssessment", interaction):
            raise forbidden(f"scope for RiskAssessment.{interaction.value} is required")
        return principal

    return check


def to_resource(row: Any) -> dict[str, Any]:
    scored_at = row.completed_at or row.started_at
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": f"{row.run_id}.{row.patient_id}",
        "meta": {"lastUpdated": scored_at.isoformat()},
        "status": "final",
        "method": {"coding": [{"system": MODEL_SYSTEM, "code": row.model_version}]},
        "code": {"text": "12-month risk of a non-elective (emergency) admission"},
        "subject": {"identifier": {"system": NHS, "value": row.nhs_number}},
        "occurrenceDateTime": scored_at.isoformat(),
        "prediction": [
            {
                "outcome": {"text": "Non-elective admission within 12 months"},
                "probabilityDecimal": round(float(row.probability), 6),
                "qualitativeRisk": {
                    "coding": [
                        {
                            "system": TIER_SYSTEM,
                            "code": row.tier,
                            "display": f"{row.tier.capitalize()} risk",
                        }
                    ]
                },
                "whenPeriod": {
                    "start": row.index_date.isoformat(),
                    "end": (row.index_date + timedelta(days=364)).isoformat(),
                },
            }
        ],
    }
    if row.factors:
        resource["note"] = [{"text": "Top contributing factors: " + "; ".join(row.factors)}]
    if row.metrics:
        resource["basis"] = [
            {"display": f"Model AUROC {row.metrics.get('auroc', 0):.3f} on a held-out year"}
        ]
    return resource


def _query() -> sa.Select[Any]:
    return (
        sa.select(
            patient_score.c.run_id,
            patient_score.c.patient_id,
            patient_score.c.probability,
            patient_score.c.tier,
            patient_score.c.factors,
            patient.c.nhs_number,
            run.c.completed_at,
            run.c.started_at,
            run.c.index_date,
            run.c.model_version,
            model_version.c.metrics,
        )
        .join(patient, patient.c.id == patient_score.c.patient_id)
        .join(run, run.c.id == patient_score.c.run_id)
        .outerjoin(model_version, model_version.c.version == run.c.model_version)
    )


@router.get("/RiskAssessment/{resource_id}")
async def read_risk(
    runtime: RuntimeDep,
    resource_id: str,
    principal: Annotated[Principal, Depends(_reader(Interaction.READ))],
) -> FhirResponse:
    run_id, _, pid = resource_id.rpartition(".")
    if not run_id or not pid.isdigit():
        raise FhirError.of(404, "not-found", f"RiskAssessment/{resource_id} is not known")
    async with runtime.engine.begin() as conn:
        row = (
            await conn.execute(
                _query().where(
                    patient_score.c.run_id == run_id, patient_score.c.patient_id == int(pid)
                )
            )
        ).first()
        if row is None:
            raise FhirError.of(404, "not-found", f"RiskAssessment/{resource_id} is not known")
        await record_access(
            conn,
            access_audit,
            principal=principal,
            interaction="read",
            resource_type="RiskAssessment",
            resource_id=resource_id,
            patient_key=patient_key(row.nhs_number),
        )
    return FhirResponse(to_resource(row))


@router.get("/RiskAssessment")
async def search_risk(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(_reader(Interaction.SEARCH))],
) -> FhirResponse:
    params = request.query_params
    unknown = sorted(set(params) - set(SEARCH_PARAMS))
    if unknown and "strict" in (request.headers.get("prefer") or ""):
        raise FhirError.of(
            400, "not-supported", f"unknown search parameter(s): {', '.join(unknown)}"
        )
    count, offset = paging(params.get("_count"), params.get("_offset"))
    q = _query()
    ident = (
        params.get("patient:identifier")
        or params.get("subject:identifier")
        or params.get("patient")
    )
    if ident:
        system, _, value = ident.rpartition("|")
        if system and system != NHS:
            raise FhirError.of(400, "invalid", f"patients are identified by {NHS}")
        q = q.where(patient.c.nhs_number == value)
    if params.get("risk"):
        q = q.where(patient_score.c.tier == params["risk"].rpartition("|")[2])
    if params.get("date"):
        value = params["date"]
        prefix, day = (
            (value[:2], value[2:]) if value[:2] in ("ge", "le", "gt", "lt", "eq") else ("eq", value)
        )
        column = sa.func.date(run.c.completed_at)
        ops = {
            "ge": column >= day,
            "le": column <= day,
            "gt": column > day,
            "lt": column < day,
            "eq": column == day,
        }
        q = q.where(ops[prefix])
    async with runtime.engine.begin() as conn:
        total = (
            await conn.execute(sa.select(sa.func.count()).select_from(q.subquery()))
        ).scalar_one()
        rows = (
            await conn.execute(
                q.order_by(run.c.completed_at.desc(), patient_score.c.probability.desc())
                .limit(count)
                .offset(offset)
            )
        ).all()
        await record_access(
            conn,
            access_audit,
            principal=principal,
            interaction="search",
            resource_type="RiskAssessment",
            resource_id=None,
            patient_key=patient_key(ident.rpartition("|")[2]) if ident else None,
            detail=f"{len(rows)} returned",
        )
    outcome = None
    if unknown:
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "warning",
                    "code": "not-supported",
                    "diagnostics": f"ignored unknown parameter(s): {', '.join(unknown)}",
                }
            ],
        }
    return FhirResponse(
        searchset(
            request,
            matches=[to_resource(r) for r in rows],
            total=total,
            offset=offset,
            count=count,
            outcome=outcome,
        )
    )


@router.get("/metadata")
async def metadata(_: PrincipalDep) -> FhirResponse:
    statement = capability_statement(
        name="CareCloserToHomeStratification",
        title="Stratification FHIR API",
        resources=[
            {
                "type": "RiskAssessment",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": "patient", "type": "token"},
                    {"name": "risk", "type": "token"},
                    {"name": "date", "type": "date"},
                ],
            },
            {
                "type": "List",
                "interaction": [{"code": "search-type"}],
                "searchParam": [{"name": "practice", "type": "token"}],
            },
        ],
    )
    statement["rest"][0]["interaction"] = [
        {"code": code, "documentation": BUNDLE_DOC} for code in ("transaction", "batch")
    ]
    return FhirResponse(statement)


BUNDLE_DOC = (
    "POST a Bundle of Patient (NHS number, birthDate, gender, generalPractitioner ODS code, "
    "postcode), Condition (ICD-10, onset or recorded date) and Encounter (class AMB/EMER/IMP with "
    "priority EM, period.start, ICD-10 reasonCode or diagnosis) to load population data; "
    "a Bundle with any bad entry is rejected whole."
)
