"""Bulk ingest endpoints: CSV or NDJSON, all or nothing, as a job whose progress can be polled."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from cch_auth import Principal
from cch_servicekit import Problem, Runtime, RuntimeDep, require_roles
from stratification.domain.ingest_validation import IngestBatchRejected
from stratification.service_layer.ingest import ingest_activity, ingest_registry
from stratification.service_layer.ingest_jobs import (
    JobRejected,
    Progress,
    open_job,
    read_job,
    recent_jobs,
    run_job,
)

router = APIRouter(tags=["ingest"])
Loader = Annotated[Principal, Depends(require_roles("ehr-system", "admin"))]
Watcher = Annotated[Principal, Depends(require_roles("ehr-system", "commissioner", "ops"))]
_TYPES = ("text/csv", "application/x-ndjson", "application/ndjson", "application/jsonl")
log = logging.getLogger("stratification.ingest")

Ingest = Callable[..., Awaitable[dict[str, int]]]


def dsn(runtime: Runtime) -> str:
    return runtime.settings.database_url.replace("postgresql+asyncpg://", "postgresql://")


def wants_async(request: Request) -> bool:
    """RFC 7240 `Prefer: respond-async`: answer 202 at once and let the client poll the job."""
    return "respond-async" in (request.headers.get("prefer") or "").lower()


async def in_background(runtime: Runtime, job_id: str, work: Any) -> None:
    try:
        await run_job(runtime, job_id, work)
    except JobRejected:
        pass  # the report is on the job
    except Exception:
        log.exception("ingest job %s failed", job_id)


def accepted(job: dict[str, Any] | None, job_id: str) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(job), status_code=202, headers={"Location": f"/ingest/jobs/{job_id}"}
    )


async def _run(
    runtime: Runtime, request: Request, principal: Principal, ingest: Ingest, what: str
) -> Any:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in _TYPES:
        raise Problem(
            415,
            "Unsupported Media Type",
            f"send {what} as text/csv or application/x-ndjson",
            code="media-type",
        )
    body = await request.body()
    if not body.strip():
        raise Problem(400, "Bad Request", "the batch is empty", code="empty-batch")
    job_id = await open_job(
        runtime, kind=what, media_type=content_type, size=len(body), requested_by=principal.actor
    )

    async def work(progress: Progress) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn(runtime))
        try:
            return await ingest(
                conn,
                body,
                content_type=content_type,
                today=datetime.now(UTC).date(),
                principal=principal,
                progress=progress,
            )
        except IngestBatchRejected as exc:
            raise JobRejected(
                [
                    {"line": e.line, "field": e.field, "value": e.value, "reason": e.reason}
                    for e in exc.errors
                ],
                detail=f"{len(exc.errors)} problem(s); nothing was stored",
            ) from exc
        finally:
            await conn.close()

    if wants_async(request):
        runtime.spawn(f"ingest-{job_id[:8]}", in_background(runtime, job_id, work))
        return accepted(await read_job(runtime, job_id), job_id)
    try:
        result = await run_job(runtime, job_id, work)
    except JobRejected as exc:
        raise Problem(
            422,
            "Batch rejected",
            exc.detail,
            code="ingest-batch-rejected",
            errors=exc.errors[:1000],
        ) from exc
    return {"accepted": True, "job_id": job_id, **result}


@router.post("/ingest/registry", summary="Registered patients (CSV or NDJSON), all or nothing")
async def post_registry(runtime: RuntimeDep, request: Request, principal: Loader) -> Any:
    return await _run(runtime, request, principal, ingest_registry, "registry")


@router.post("/ingest/activity", summary="Coded activity (CSV or NDJSON), all or nothing")
async def post_activity(runtime: RuntimeDep, request: Request, principal: Loader) -> Any:
    return await _run(runtime, request, principal, ingest_activity, "activity")


@router.get("/ingest/jobs", summary="Recent loads with their state and row counts")
async def list_jobs(runtime: RuntimeDep, _: Watcher) -> list[dict[str, Any]]:
    return await recent_jobs(runtime)


@router.get("/ingest/jobs/{job_id}", summary="One load: state, rows read and loaded, its report")
async def get_job(runtime: RuntimeDep, _: Watcher, job_id: str) -> dict[str, Any]:
    job = await read_job(runtime, job_id)
    if job is None:
        raise Problem(404, "Not Found", f"no ingest job {job_id}", code="not-found")
    return job
