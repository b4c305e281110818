"""/healthz (the process is alive) and /readyz (its database and the broker answer)."""

import asyncio
import time
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cch_messaging.kafka import wait_for_broker
from cch_servicekit.runtime import Runtime

router = APIRouter(tags=["health"])
_BROKER_CACHE_SECONDS = 5.0


@router.get("/healthz", summary="Process liveness")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.state.runtime.name}


@router.get("/readyz", summary="Ready when the database and the broker answer")
async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    checks: dict[str, Any] = {
        "database": await _database(runtime),
        "broker": await _broker(runtime),
    }
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not-ready", "service": runtime.name, "checks": checks},
        status_code=200 if ready else 503,
    )


async def _database(runtime: Runtime) -> str:
    try:
        async with runtime.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 2)
        return "ok"
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"


async def _broker(runtime: Runtime) -> str:
    if runtime.relay is not None and runtime.relay.connected:
        return "ok"
    cached = runtime.extras.get("broker_checked_at")
    if cached and time.monotonic() - cached < _BROKER_CACHE_SECONDS:
        return "ok"
    try:
        await wait_for_broker(runtime.kafka, timeout=2)
        runtime.extras["broker_checked_at"] = time.monotonic()
        return "ok"
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
