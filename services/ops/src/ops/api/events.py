"""Ops endpoints: browse the event index, watch streams and lag, handle dead letters."""

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from cch_auth import Principal
from cch_servicekit import Problem, RuntimeDep, require_roles
from ops.adapters import streams
from ops.adapters.tables import event_log

OpsUser = Annotated[Principal, Depends(require_roles("ops", "admin"))]
router = APIRouter(tags=["event streams"])


class EventEntry(BaseModel):
    event_id: str
    type: str
    source: str
    subject: str | None
    topic: str
    partition: int
    offset: int
    occurred_at: datetime
    correlation_id: str | None
    causation_id: str | None
    size_bytes: int


class EventPage(BaseModel):
    items: list[EventEntry]
    next_before: datetime | None = Field(description="pass as `before` for the next page")


@router.get("/events", response_model=EventPage, summary="Browse the event index")
async def list_events(
    runtime: RuntimeDep,
    _: OpsUser,
    type: Annotated[str | None, Query(max_length=128)] = None,
    topic: Annotated[str | None, Query(max_length=128)] = None,
    subject: Annotated[str | None, Query(max_length=256)] = None,
    correlation_id: Annotated[str | None, Query(max_length=128)] = None,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventPage:
    q = sa.select(event_log).order_by(event_log.c.occurred_at.desc()).limit(limit)
    for column, value in (
        (event_log.c.type, type),
        (event_log.c.topic, topic),
        (event_log.c.subject, subject),
        (event_log.c.correlation_id, correlation_id),
    ):
        if value is not None:
            q = q.where(column == value)
    if before is not None:
        q = q.where(event_log.c.occurred_at < before)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(q)).mappings().all()
    items = [EventEntry.model_validate(dict(r)) for r in rows]
    return EventPage(
        items=items, next_before=items[-1].occurred_at if len(items) == limit else None
    )


@router.get("/events/summary", summary="Counts by event type over a window")
async def event_summary(
    runtime: RuntimeDep,
    _: OpsUser,
    since: datetime | None = None,
) -> dict[str, Any]:
    q = sa.select(event_log.c.type, sa.func.count(), sa.func.max(event_log.c.occurred_at)).group_by(
        event_log.c.type
    )
    if since is not None:
        q = q.where(event_log.c.occurred_at >= since)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(q)).all()
    return {"types": [{"type": t, "count": n, "latest": last} for t, n, last in sorted(rows)]}


@router.get("/streams", summary="Topics, end offsets and consumer lag per group")
async def stream_overview(runtime: RuntimeDep, _: OpsUser) -> dict[str, Any]:
    return await streams.stream_overview(runtime.kafka)


@router.get("/dead-letters", summary="Dead letters still retained on the .dlq topics")
async def dead_letters(
    runtime: RuntimeDep,
    _: OpsUser,
    topic: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    items = await streams.read_dead_letters(runtime.kafka, topic=topic, limit=limit)
    return {"items": items, "count": len(items)}


class ReplayRequest(BaseModel):
    dlq_topic: str = Field(pattern=r"^cch\.[a-z]+\.v\d+\.dlq$")
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


@router.post("/dead-letters/replay", summary="Put a dead letter's event back on its topic")
async def replay(runtime: RuntimeDep, _: OpsUser, body: ReplayRequest) -> dict[str, Any]:
    try:
        return await streams.replay_dead_letter(
            runtime.kafka, dlq=body.dlq_topic, partition=body.partition, offset=body.offset
        )
    except LookupError as exc:
        raise Problem(404, "Not Found", str(exc), code="not-found") from exc
    except ValueError as exc:
        raise Problem(400, "Bad Request", str(exc)) from exc
