"""Ingest jobs: a load's state and row counts, written as it goes so a data team can poll it."""

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cch_servicekit import Runtime
from stratification.adapters.ingest_tables import ingest_job

RUNNING = ("queued", "validating", "loading")
# A running job's row is touched every flush; one untouched this long lost its process.
STALE_AFTER = timedelta(seconds=60)
FLUSH_SECONDS = 0.5
MAX_REPORTED_ERRORS = 1_000


@dataclass
class Progress:
    """Live counters a load advances; the job row mirrors them."""

    state: str = "queued"
    rows_read: int = 0
    rows_loaded: int = 0


class JobRejected(Exception):
    """The load refused its input; carries the report to store with the job."""

    def __init__(self, errors: list[dict[str, Any]], *, detail: str) -> None:
        super().__init__(detail)
        self.errors = errors
        self.detail = detail


async def open_job(
    runtime: Runtime, *, kind: str, media_type: str, size: int, requested_by: str
) -> str:
    job_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    async with runtime.engine.begin() as db:
        await db.execute(
            sa.insert(ingest_job).values(
                id=job_id,
                kind=kind,
                media_type=media_type,
                state="queued",
                bytes=size,
                requested_by=requested_by,
                created_at=now,
                updated_at=now,
            )
        )
    return job_id


async def _write(runtime: Runtime, job_id: str, progress: Progress, **values: Any) -> None:
    async with runtime.engine.begin() as db:
        await db.execute(
            sa.update(ingest_job)
            .where(ingest_job.c.id == job_id)
            .values(
                state=progress.state,
                rows_read=progress.rows_read,
                rows_loaded=progress.rows_loaded,
                updated_at=datetime.now(UTC),
                **values,
            )
        )


async def _keep_written(runtime: Runtime, job_id: str, progress: Progress) -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        await _write(runtime, job_id, progress)


async def run_job(
    runtime: Runtime,
    job_id: str,
    work: Callable[[Progress], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run a load, mirroring its progress into the job row, and record how it ended."""
    progress = Progress()
    flusher = asyncio.create_task(_keep_written(runtime, job_id, progress))
    outcome: dict[str, Any]
    try:
        result = await work(progress)
    except JobRejected as exc:
        progress.state = "rejected"
        progress.rows_loaded = 0
        outcome = {
            "error_count": len(exc.errors),
            "errors": exc.errors[:MAX_REPORTED_ERRORS],
            "detail": exc.detail,
        }
        raise
    except BaseException as exc:
        progress.state = "failed"
        progress.rows_loaded = 0
        outcome = {"detail": f"{type(exc).__name__}: {str(exc)[:500]}"}
        raise
    else:
        progress.state = "completed"
        outcome = {"result": result}
        return result
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await asyncio.shield(
            _write(runtime, job_id, progress, completed_at=datetime.now(UTC), **outcome)
        )


def job_view(row: Any, *, now: datetime) -> dict[str, Any]:
    """A job as the API shows it; a running job nobody has touched for a while was interrupted."""
    job = dict(row)
    if job["state"] in RUNNING and now - job["updated_at"] > STALE_AFTER:
        job["state"] = "interrupted"
        job["detail"] = "the service stopped during this load; nothing was stored, send it again"
    return job


async def read_job(runtime: Runtime, job_id: str) -> dict[str, Any] | None:
    async with runtime.engine.connect() as db:
        row = (
            (await db.execute(sa.select(ingest_job).where(ingest_job.c.id == job_id)))
            .mappings()
            .first()
        )
    return None if row is None else job_view(row, now=datetime.now(UTC))


async def recent_jobs(runtime: Runtime, *, limit: int = 50) -> list[dict[str, Any]]:
    columns = [c for c in ingest_job.c if c.name != "errors"]
    async with runtime.engine.connect() as db:
        rows = await db.execute(
            sa.select(*columns).order_by(ingest_job.c.created_at.desc()).limit(limit)
        )
        now = datetime.now(UTC)
        return [job_view(r, now=now) for r in rows.mappings()]
