"""County simulation over the API: ask for a run, watch its progress, read the compliance table."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field, field_validator

from cch_auth import Principal
from cch_servicekit.deps import RuntimeDep, require_roles
from dispatch.adapters import simulation_runs as runs
from dispatch.api.bodies import Strict
from dispatch.service_layer.errors import SimulationNotFound
from dispatch.service_layer.simulations import request_simulation, wake_worker
from dispatch.simulation.roster_plan import COUNTY_ROSTER, ROSTERS
from dispatch.simulation.runs import POLICY_NAMES, SimulationSpec

router = APIRouter(tags=["simulation"])

Planner = Annotated[Principal, Depends(require_roles("coordinator", "commissioner"))]


class SimulationIn(Strict):
    """A year (or less) of crisis referrals at a multiple of the county's demand, on a rota."""

    demand_multiplier: float = Field(
        default=1.0, ge=1.0, le=10.0, description="x 2,845 urgent referrals a year"
    )
    days: int = Field(default=365, ge=1, le=366)
    seed: int = Field(default=1, ge=0, le=2**31 - 1)
    roster: str = Field(default=COUNTY_ROSTER.name, description=", ".join(sorted(ROSTERS)))
    policies: list[str] = Field(
        default_factory=lambda: list(POLICY_NAMES), min_length=1, max_length=len(POLICY_NAMES)
    )

    @field_validator("roster")
    @classmethod
    def _known_roster(cls, value: str) -> str:
        if value not in ROSTERS:
            raise ValueError(f"unknown roster; one of {', '.join(sorted(ROSTERS))}")
        return value

    @field_validator("policies")
    @classmethod
    def _known_policies(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(POLICY_NAMES))
        if unknown:
            raise ValueError(
                f"unknown policies {', '.join(unknown)}; among {', '.join(POLICY_NAMES)}"
            )
        if len(set(value)) != len(value):
            raise ValueError("each policy once")
        return value


def simulation_view(row: Any, *, with_results: bool = True) -> dict[str, Any]:
    """Where a run is, and once done the same figures as the CLI prints, side by side."""
    results = row.results or {}
    out: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "demand_multiplier": row.scale,
        "days": row.days,
        "seed": row.seed,
        "roster": row.roster,
        "policies": list(row.policies),
        "requested_by": row.requested_by,
        "created_at": row.created_at.isoformat(),
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "progress_pct": round(100.0 * float(row.progress), 1),
        "attempts": row.attempts,
        "seconds": row.seconds,
        "error": row.error,
    }
    if with_results and row.status == "done":
        out["compliance"] = [
            {
                "policy": r["policy"],
                "referrals": r["referrals"],
                "counted": r["counted"],
                "pct_within_120": r["pct_within_120"],
                "mean_min": r["mean_min"],
                "median_min": r["median_min"],
                "p90_min": r["p90_min"],
                "breaches": r["breaches"],
                "escalated_unreached": r["escalated_unreached"],
                "handover_releases": r["handover_releases"],
                "decision_p50_ms": r["decision_p50_ms"],
                "decision_p99_ms": r["decision_p99_ms"],
            }
            for r in results.get("results", [])
        ]
        out["roster_shifts"] = results.get("roster")
        out["table"] = results.get("table")
    return out


@router.post("/simulations", status_code=202)
async def start_simulation(
    body: SimulationIn, principal: Planner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Queue a county simulation (one at a time); it runs in the background."""
    spec = SimulationSpec(
        scale=body.demand_multiplier,
        days=body.days,
        seed=body.seed,
        roster=body.roster,
        policies=tuple(body.policies),
    )
    async with runtime.uow() as uow:
        simulation_id = await request_simulation(uow, spec, requested_by=principal.actor)
        await uow.commit()
    wake_worker(runtime)
    async with runtime.sessions() as session:
        row = await runs.get(session, simulation_id)
    assert row is not None
    return simulation_view(row)


@router.get("/simulations")
async def list_simulations(
    principal: Planner,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Recent simulations, newest first (figures in each one's own page)."""
    async with runtime.sessions() as session:
        rows = await runs.newest(session, limit=limit)
    return {"simulations": [simulation_view(r, with_results=False) for r in rows]}


@router.get("/simulations/{simulation_id}")
async def read_simulation(
    simulation_id: str, principal: Planner, runtime: RuntimeDep
) -> dict[str, Any]:
    """Progress while it runs; the compliance table per policy when done."""
    async with runtime.sessions() as session:
        row = await runs.get(session, simulation_id)
    if row is None:
        raise SimulationNotFound(f"no simulation {simulation_id}")
    return simulation_view(row)
