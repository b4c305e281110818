"""The predictive report per practice or cluster: JSON, CSV download, or a FHIR List."""

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from cch_auth import Principal
from cch_fhir.http import FhirResponse
from cch_servicekit import Problem, RuntimeDep, require_roles
from cch_servicekit.audit import record_access
from stratification.adapters.report_queries import cohort
from stratification.adapters.tables import access_audit, practice

router = APIRouter(tags=["predictive report"])
Mdt = Annotated[Principal, Depends(require_roles("case-manager", "clinician", "commissioner"))]
COLUMNS = [
    "nhs_number",
    "birth_date",
    "practice_code",
    "locality",
    "tier",
    "probability",
    "new",
    "case_managed",
    "gp_flagged",
    "returned_from_exclusion",
]


async def _report(
    runtime: Any, principal: Principal, practices: list[str], on: date
) -> list[dict[str, Any]]:
    async with runtime.engine.begin() as conn:
        known = set(
            (
                await conn.execute(sa.select(practice.c.code).where(practice.c.code.in_(practices)))
            ).scalars()
        )
        unknown = sorted(set(practices) - known)
        if unknown:
            raise Problem(
                404,
                "Not Found",
                f"unknown practice code(s): {', '.join(unknown)}",
                code="unknown-practice",
            )
        rows = await cohort(conn, practices=practices, on=on)
        await record_access(
            conn,
            access_audit,
            principal=principal,
            interaction="search",
            resource_type="PredictiveReport",
            resource_id=None,
            patient_key=None,
            detail=f"practices {','.join(practices)}: {len(rows)} patients",
        )
    return rows


@router.get("/reports/predictive", summary="Cohort at risk for a practice or a cluster")
async def predictive_report(
    runtime: RuntimeDep,
    principal: Mdt,
    practice_code: Annotated[list[str], Query(alias="practice", min_length=1, max_length=50)],
    on: date | None = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    as_at = on or datetime.now(UTC).date()
    rows = await _report(runtime, principal, practice_code, as_at)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        name = f"predictive-report-{'-'.join(practice_code)}-{as_at}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return {
        "practices": practice_code,
        "as_at": as_at.isoformat(),
        "count": len(rows),
        "new": sum(r["new"] for r in rows),
        "case_managed": sum(r["case_managed"] for r in rows),
        "patients": rows,
    }


@router.get("/fhir/List", tags=["fhir"], summary="The predictive report as a FHIR List")
async def predictive_list(
    runtime: RuntimeDep,
    principal: Mdt,
    practice_code: Annotated[list[str], Query(alias="practice", min_length=1, max_length=50)],
) -> FhirResponse:
    as_at = datetime.now(UTC).date()
    rows = await _report(runtime, principal, practice_code, as_at)
    resource: dict[str, Any] = {
        "resourceType": "List",
        "id": f"predictive-{'-'.join(practice_code)}-{as_at:%Y%m%d}",
        "status": "current",
        "mode": "snapshot",
        "title": f"Predictive report for {', '.join(practice_code)}",
        "date": datetime.now(UTC).isoformat(),
        "code": {"text": "Patients at highest and high risk of emergency admission"},
        "entry": [
            {
                "flag": {
                    "text": ", ".join(
                        f
                        for f, on_ in (
                            ("new", r["new"]),
                            ("case managed", r["case_managed"]),
                            ("GP flagged", r["gp_flagged"]),
                        )
                        if on_
                    )
                    or "existing"
                },
                "item": {
                    "identifier": {
                        "system": "https://fhir.nhs.uk/Id/nhs-number",
                        "value": r["nhs_number"],
                    },
                    "display": f"{r['tier']} risk ({r['probability']:.0%})",
                },
            }
            for r in rows
        ],
    }
    if not resource["entry"]:
        del resource["entry"]  # FHIR JSON never carries empty arrays
    return FhirResponse(resource)
