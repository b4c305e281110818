"""Monthly stratification: start a run when the last full one is older than the interval."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cch_servicekit import Runtime
from stratification.adapters.run_tables import run
from stratification.domain.errors import DomainError
from stratification.service_layer.runs import start_run

log = logging.getLogger("stratification.schedule")


async def run_if_due(runtime: Runtime, *, now: datetime, every: timedelta) -> bool:
    async with runtime.engine.connect() as conn:
        last = (
            await conn.execute(
                sa.select(sa.func.max(run.c.started_at)).where(
                    run.c.practice_code.is_(None), run.c.status.in_(["completed", "running"])
                )
            )
        ).scalar_one()
    if last is not None and now - last < every:
        return False
    try:
        await start_run(runtime, practice=None, requested_by="schedule")
    except DomainError as exc:  # no population yet, or a run already going
        log.info("scheduled run not started: %s", exc)
        return False
    return True


async def monthly_runs(runtime: Runtime) -> None:
    settings = runtime.settings
    if not getattr(settings, "schedule_runs", False):
        return
    every = timedelta(days=getattr(settings, "run_every_days", 30))
    while True:
        try:
            await run_if_due(runtime, now=datetime.now(UTC), every=every)
        except Exception:
            log.exception("scheduler check failed")
        await asyncio.sleep(getattr(settings, "schedule_check_seconds", 60.0))
