"""Runs, model registry and tier definitions."""

from dataclasses import asdict
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from cch_auth import Principal
from cch_servicekit import Problem, RuntimeDep, require_roles
from stratification.adapters.run_tables import model_version, run
from stratification.domain.tiers import TIER_OFFERS, TierPolicy
from stratification.service_layer.runs import start_run

router = APIRouter(tags=["stratification runs"])
Runner = Annotated[Principal, Depends(require_roles("commissioner", "case-manager", "ehr-system"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("commissioner", "case-manager", "clinician", "ehr-system", "ops")),
]


class RunRequest(BaseModel):
    practice_code: str | None = Field(default=None, pattern=r"^[A-Z]\d{5}$")
    model_version: str | None = Field(
        default=None,
        max_length=64,
        description="score with this stored model instead of training a new one",
    )


@router.post("/runs", status_code=202, summary="Start a run over the population or one practice")
async def create_run(
    runtime: RuntimeDep, principal: Runner, body: RunRequest, response: Response
) -> dict[str, Any]:
    started = await start_run(
        runtime,
        practice=body.practice_code,
        requested_by=principal.actor,
        model=body.model_version,
    )
    if started.get("repeat"):
        response.status_code = 200
    response.headers["Location"] = f"/runs/{started['id']}"
    return started


@router.get("/runs", summary="Recent runs")
async def list_runs(runtime: RuntimeDep, _: Reader) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(run).order_by(run.c.started_at.desc()).limit(50))
        return [dict(r) for r in rows.mappings()]


@router.get("/runs/{run_id}", summary="A run's status, progress and counts")
async def get_run(runtime: RuntimeDep, _: Reader, run_id: str) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(run).where(run.c.id == run_id))).mappings().first()
    if row is None:
        raise Problem(404, "Not Found", f"no run {run_id}", code="not-found")
    return dict(row)


@router.get("/models", summary="The model registry")
async def list_models(runtime: RuntimeDep, _: Reader) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(model_version).order_by(model_version.c.trained_at.desc())
        )
        return [dict(r) for r in rows.mappings()]


@router.get("/models/{version}", summary="One model version: features, coefficients, metrics")
async def get_model(runtime: RuntimeDep, _: Reader, version: str) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = (
            (await conn.execute(sa.select(model_version).where(model_version.c.version == version)))
            .mappings()
            .first()
        )
    if row is None:
        raise Problem(
            404,
            "Not Found",
            f"model version {version!r} does not exist",
            code="unknown-model-version",
        )
    return dict(row)


@router.get("/tiers", summary="What each tier gets (the Bromley table) and the tiering policy")
async def tiers(_: Reader) -> dict[str, Any]:
    policy = TierPolicy()
    return {
        "policy": {
            "from_percentile": {t.value: p for t, p in policy.cut_offs().items()},
            "eligible_minimum_age": policy.minimum_age,
        },
        "tiers": [
            {**jsonable_encoder(asdict(offer)), "shropshire_need": offer.tier.shropshire_label}
            for offer in TIER_OFFERS.values()
        ],
    }
