"""Bulk ingest endpoints: CSV or NDJSON; a batch with any bad row is rejected whole."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request

from cch_auth import Principal
from cch_servicekit import Problem, RuntimeDep, require_roles
from stratification.domain.ingest_validation import IngestBatchRejected
from stratification.service_layer.ingest import ingest_activity, ingest_registry

router = APIRouter(tags=["ingest"])
Loader = Annotated[Principal, Depends(require_roles("ehr-system", "admin"))]
_TYPES = ("text/csv", "application/x-ndjson", "application/ndjson", "application/jsonl")

Ingest = Callable[..., Awaitable[dict[str, int]]]


async def _run(
    runtime: Any, request: Request, principal: Principal, ingest: Ingest, what: str
) -> dict[str, Any]:
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
    dsn = runtime.settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        result = await ingest(conn, body, content_type=content_type, today=datetime.now(UTC).date())
        await conn.execute(
            "INSERT INTO access_audit (id, recorded_at, actor, actor_roles, organisation, action, "
            "interaction, resource_type, outcome, detail) VALUES (gen_random_uuid(), now(), $1, "
            "$2::jsonb, $3, 'C', 'create', $4, '0', $5)",
            principal.actor,
            f"{sorted(principal.roles)}".replace("'", '"'),
            principal.organisation,
            f"Ingest{what.capitalize()}",
            f"{result['rows']} rows",
        )
    except IngestBatchRejected as exc:
        raise Problem(
            422,
            "Batch rejected",
            f"{len(exc.errors)} problem(s); nothing was stored",
            code="ingest-batch-rejected",
            errors=[
                {"line": e.line, "field": e.field, "value": e.value, "reason": e.reason}
                for e in exc.errors[:1000]
            ],
        ) from exc
    finally:
        await conn.close()
    return {"accepted": True, **result}


@router.post("/ingest/registry", summary="Registered patients (CSV or NDJSON), all or nothing")
async def post_registry(runtime: RuntimeDep, request: Request, principal: Loader) -> dict[str, Any]:
    return await _run(runtime, request, principal, ingest_registry, "registry")


@router.post("/ingest/activity", summary="Coded activity (CSV or NDJSON), all or nothing")
async def post_activity(runtime: RuntimeDep, request: Request, principal: Loader) -> dict[str, Any]:
    return await _run(runtime, request, principal, ingest_activity, "activity")
