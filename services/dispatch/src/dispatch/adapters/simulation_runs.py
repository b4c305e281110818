"""Stored county simulations: queued, claimed by one process, heartbeat, results.

Operational times (created, heartbeat, finished) come from the database's clock, so that every
process agrees on when a run's heartbeat went stale.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.adapters.tables import ACTIVE_SIMULATION, simulations
from dispatch.simulation.runs import SimulationSpec

c = simulations.c
ONE_AT_A_TIME = "ix_simulations_one_at_a_time"


class AnotherSimulationActive(Exception):
    """The partial unique index refused a second queued or running simulation."""


async def insert(
    session: AsyncSession, *, simulation_id: str, spec: SimulationSpec, requested_by: str
) -> None:
    """Queue a simulation (refused while another is queued or running)."""
    try:
        async with session.begin_nested():
            await session.execute(
                sa.insert(simulations).values(
                    id=simulation_id,
                    status="queued",
                    scale=spec.scale,
                    days=spec.days,
                    seed=spec.seed,
                    roster=spec.roster,
                    policies=list(spec.policies),
                    requested_by=requested_by,
                    created_at=sa.func.now(),
                )
            )
    except IntegrityError as exc:
        if ONE_AT_A_TIME in str(exc.orig):
            raise AnotherSimulationActive from exc
        raise


async def active(session: AsyncSession) -> Any | None:
    """The simulation queued or running now, if any."""
    return (
        await session.execute(sa.select(simulations).where(c.status.in_(ACTIVE_SIMULATION)))
    ).first()


async def give_up_abandoned(session: AsyncSession, *, stale_seconds: float, attempts: int) -> None:
    """A run whose process died too often (no heartbeat) is failed rather than retried forever."""
    await session.execute(
        sa.update(simulations)
        .where(
            c.status == "running",
            c.heartbeat_at < sa.func.now() - sa.text(f"interval '{float(stale_seconds)} seconds'"),
            c.attempts >= attempts,
        )
        .values(
            status="failed",
            finished_at=sa.func.now(),
            error=f"abandoned: its process stopped {attempts} times without finishing",
        )
    )


async def claim(session: AsyncSession, *, worker: str, stale_seconds: float) -> Any | None:
    """Take the queued run, or one whose process stopped sending heartbeats; None if neither."""
    stale = sa.func.now() - sa.text(f"interval '{float(stale_seconds)} seconds'")
    pick = (
        sa.select(c.id)
        .where(sa.or_(c.status == "queued", sa.and_(c.status == "running", c.heartbeat_at < stale)))
        .order_by(c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        await session.execute(
            sa.update(simulations)
            .where(c.id == pick)
            .values(
                status="running",
                worker=worker,
                started_at=sa.func.now(),
                heartbeat_at=sa.func.now(),
                attempts=c.attempts + 1,
                progress=0.0,
            )
            .returning(simulations)
        )
    ).first()


async def heartbeat(
    session: AsyncSession, simulation_id: str, *, worker: str, progress: float
) -> bool:
    """Record progress; False when the run is no longer this worker's (taken over or ended)."""
    found = await session.execute(
        sa.update(simulations)
        .where(c.id == simulation_id, c.worker == worker, c.status == "running")
        .values(progress=progress, heartbeat_at=sa.func.now())
        .returning(c.id)
    )
    return found.first() is not None


async def finish(
    session: AsyncSession,
    simulation_id: str,
    *,
    worker: str,
    results: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Done with the results, or failed with why."""
    values: dict[str, Any] = {"finished_at": sa.func.now(), "heartbeat_at": sa.func.now()}
    if results is not None:
        values |= {
            "status": "done",
            "progress": 1.0,
            "results": results,
            "seconds": results.get("seconds"),
        }
    else:
        values |= {"status": "failed", "error": error or "failed"}
    await session.execute(
        sa.update(simulations)
        .where(c.id == simulation_id, c.worker == worker, c.status == "running")
        .values(**values)
    )


async def requeue(session: AsyncSession, simulation_id: str, *, worker: str) -> None:
    """The service is stopping mid-run: put it back for the next process (not an attempt)."""
    await session.execute(
        sa.update(simulations)
        .where(c.id == simulation_id, c.worker == worker, c.status == "running")
        .values(
            status="queued",
            worker=None,
            heartbeat_at=None,
            progress=0.0,
            attempts=sa.func.greatest(c.attempts - 1, 0),
        )
    )


async def get(session: AsyncSession, simulation_id: str) -> Any | None:
    """One simulation by id."""
    return (await session.execute(sa.select(simulations).where(c.id == simulation_id))).first()


async def newest(session: AsyncSession, *, limit: int) -> list[Any]:
    """The most recent simulations first."""
    rows = await session.execute(sa.select(simulations).order_by(c.created_at.desc()).limit(limit))
    return list(rows.all())
