"""Programme modelling for commissioners: admission-avoidance targets and resource split."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cch_auth import Principal
from cch_servicekit import require_roles
from stratification.domain.population import generate_population
from stratification.service_layer.modelling import as_json, population_model, seed_model

router = APIRouter(tags=["programme modelling"])
Commissioner = Annotated[Principal, Depends(require_roles("commissioner", "ops"))]


@router.get("/programme-model", summary="The seed's modelling tables, reproduced from its inputs")
async def programme_model(_: Commissioner) -> dict[str, Any]:
    return as_json(seed_model())


@router.get(
    "/programme-model/synthetic",
    summary="The same tables computed on a synthetic county's own figures",
)
async def synthetic_programme_model(
    _: Commissioner,
    size: Annotated[int, Query(ge=5_000, le=400_000)] = 310_000,
    seed: Annotated[int, Query(ge=0)] = 20180815,
) -> dict[str, Any]:
    return as_json(population_model(generate_population(size=size, seed=seed)))
