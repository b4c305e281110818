"""FHIR R4 transaction/batch Bundles of Patient, Condition and Encounter into the population."""

from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import APIRouter, Request

from cch_fhir.errors import FhirError, Issue
from cch_fhir.http import FhirResponse, read_resource
from cch_servicekit import RuntimeDep
from stratification.api.ingest import Loader, dsn
from stratification.domain.fhir_bundle import BundleContents, BundleRejected
from stratification.service_layer.ingest import ingest_bundle
from stratification.service_layer.ingest_jobs import JobRejected, Progress, open_job, run_job

router = APIRouter(tags=["ingest"])


def _response_bundle(contents: BundleContents, already: set[str], size: int) -> dict[str, Any]:
    outcome = {o.entry: o for o in contents.outcomes}
    entries = []
    for i in range(size):
        done = outcome.get(i)
        if done is None:
            response: dict[str, Any] = {
                "status": "200 OK",
                "outcome": {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "information",
                            "code": "informational",
                            "diagnostics": "stored as a diagnosis of the Encounter that cites it",
                        }
                    ],
                },
            }
        elif done.resource_type == "Patient" and done.nhs_number in already:
            response = {"status": "200 OK"}
        else:
            response = {"status": "201 Created"}
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": f"{contents.bundle_type}-response", "entry": entries}


def _issues(exc: BundleRejected) -> list[dict[str, Any]]:
    return [
        {"entry": i.entry, "expression": i.expression, "value": i.value, "reason": i.reason}
        for i in exc.issues
    ]


@router.post("/fhir", summary="FHIR transaction or batch Bundle of Patient, Condition, Encounter")
@router.post("/ingest/fhir-bundle", summary="The same, outside the FHIR base")
async def post_bundle(runtime: RuntimeDep, request: Request, principal: Loader) -> FhirResponse:
    limit = int(getattr(runtime.settings, "max_bundle_bytes", 16 * 1024 * 1024))
    bundle = await read_resource(request, max_bytes=limit)
    if bundle.get("resourceType") != "Bundle":
        raise FhirError.of(
            400,
            "invalid",
            f"resourceType is {bundle.get('resourceType')!r}; post a transaction or batch Bundle",
            "Bundle.resourceType",
        )
    job_id = await open_job(
        runtime,
        kind="fhir-bundle",
        media_type="application/fhir+json",
        size=len(await request.body()),
        requested_by=principal.actor,
    )
    read: dict[str, Any] = {}

    async def work(progress: Progress) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn(runtime))
        try:
            contents, already = await ingest_bundle(
                conn,
                bundle,
                today=datetime.now(UTC).date(),
                principal=principal,
                progress=progress,
            )
        except BundleRejected as exc:
            raise JobRejected(_issues(exc), detail=exc.message) from exc
        finally:
            await conn.close()
        read.update(contents=contents, already=already)
        return {
            "entries": len(bundle["entry"]),
            "new_patients": len(contents.registry) - len(already),
            "updated_patients": len(already),
            "activity_rows": len(contents.activity),
        }

    try:
        await run_job(runtime, job_id, work)
    except JobRejected as exc:
        whole_bundle = all(e["entry"] is None for e in exc.errors)
        raise FhirError(
            400 if whole_bundle else 422,
            [
                Issue(
                    "structure" if e["entry"] is None else "invalid",
                    (f"entry {e['entry']}: " if e["entry"] is not None else "")
                    + f"{e['reason']} (value {e['value']!r}); nothing was stored",
                    expression=e["expression"],
                )
                for e in exc.errors
            ],
        ) from exc
    return FhirResponse(
        _response_bundle(read["contents"], read["already"], len(bundle["entry"])),
        headers={"X-Ingest-Job": f"/ingest/jobs/{job_id}"},
    )
