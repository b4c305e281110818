"""The P2 baseline: a bare FastAPI + asyncpg endpoint returning stored CarePlan JSON by primary key.

No auth, no audit, no FHIR machinery: one pooled SELECT and the jsonb text as the body. The bench
serves it with uvicorn exactly as it serves careplans (one process, one worker, same pool size).

    BENCH_BASELINE_DSN=postgresql://... uvicorn baseline_app:app --app-dir services/careplans/bench
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, HTTPException
from fastapi.responses import Response

TABLE = "bench_careplans.careplan"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    size = int(os.environ.get("BENCH_BASELINE_POOL", "10"))
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_BASELINE_DSN"], min_size=size, max_size=size
    )
    try:
        yield
    finally:
        await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/fhir/CarePlan/{rid}")
async def read(rid: str) -> Response:
    content = await app.state.pool.fetchval(f"SELECT content FROM {TABLE} WHERE id = $1", rid)
    if content is None:
        raise HTTPException(404)
    return Response(content, media_type="application/fhir+json")
