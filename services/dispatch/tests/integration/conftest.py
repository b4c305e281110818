"""Dispatch in-process against the real Postgres and broker, with a clock the tests move."""

import asyncio
import json
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from cch_contracts import EventPayload
from cch_contracts.topics import Topic
from cch_devstack.testing import eventually, service_app
from dispatch.adapters.tables import clinicians
from dispatch.domain.clock import FakeClock
from dispatch.main import create_app

DISPATCH_TOPIC = Topic.DISPATCH.value
REFERRALS_TOPIC = Topic.REFERRALS.value
ALL_SKILLS = ["catheter", "falls", "iv", "palliative", "prescribing", "wound-care"]


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(scope="session")
def dispatch(infra, clock):
    """Start the service (SLA watch once an hour: tests call the tick themselves)."""

    @asynccontextmanager
    async def run():
        async with service_app(
            infra, "dispatch", lambda: create_app(clock), DISPATCH_SLA_TICK_SECONDS="3600"
        ) as client:
            yield client

    return run


def runtime_of(client: Any) -> Any:
    """The running service's runtime (for the SLA tick and the seed)."""
    return client._transport.app.state.runtime


@pytest.fixture(scope="session")
def coordinator(token_for) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for('coordinator', subject='coord-1')}"}


def nhs_number() -> str:
    """A random NHS number with a valid Modulus 11 check digit."""
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


async def add_clinician(
    client: Any,
    *,
    easting: float = 351_000,
    northing: float = 276_000,
    skills: list[str] | None = None,
) -> str:
    """A fresh clinician only this test uses, available at the given base."""
    cid = f"test-{uuid.uuid4().hex[:8]}"
    runtime = runtime_of(client)
    async with runtime.engine.begin() as conn:
        await conn.execute(
            sa.insert(clinicians).values(
                id=cid,
                name=f"Clinician {cid}",
                skills=skills if skills is not None else ALL_SKILLS,
                base_name="test",
                base_easting=easting,
                base_northing=northing,
                easting=easting,
                northing=northing,
                status="available",
                shift_start=datetime(2020, 1, 1, tzinfo=UTC),
                shift_end=datetime(2100, 1, 1, tzinfo=UTC),
                leaving_after_job=False,
            )
        )
    return cid


def envelope(payload: EventPayload) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/cch/referrals",
            "type": payload.event_type,
            "time": datetime.now(UTC).isoformat(),
            "datacontenttype": "application/json",
            "data": payload.model_dump(mode="json"),
        }
    ).encode()


async def produce(infra, topic: str, messages: list[tuple[bytes, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap)
    await producer.start()
    try:
        for value, key in messages:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


async def topic_payloads(
    infra, topic: str, match: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """Every CloudEvent on a topic so far whose envelope matches (read from the start)."""
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await reader.start()
    found = []
    try:
        while True:
            batch = await reader.getmany(timeout_ms=500, max_records=1000)
            if not batch:
                break
            for records in batch.values():
                for r in records:
                    body = json.loads(r.value)
                    if match(body):
                        found.append(body)
    finally:
        await reader.stop()
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
async def live(infra, clock) -> AsyncIterator[SimpleNamespace]:
    """Dispatch on a real port (an SSE stream needs a real socket), sharing the session's DB."""
    env = {
        **infra.service_env("dispatch"),
        "DISPATCH_SLA_TICK_SECONDS": "3600",
        "DISPATCH_AUTO_ASSIGN": "false",
        "RUN_CONSUMER": "false",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        app = create_app(clock)
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())

    async def listening() -> bool:
        return bool(server.started)

    await eventually(listening, what="dispatch listening", timeout=30)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", runtime=app.state.runtime)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def http(live) -> AsyncIterator[httpx.AsyncClient]:
    # Reads wait as long as a stream may stay quiet; each test sets its own deadline for events.
    timeout = httpx.Timeout(10.0, read=60.0)
    async with httpx.AsyncClient(base_url=live.url, timeout=timeout) as client:
        yield client


@pytest.fixture(scope="session")
def kit():
    """Helpers for tests (fixtures rather than imports: conftest modules share a name)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        runtime_of=runtime_of,
        nhs_number=nhs_number,
        add_clinician=add_clinician,
        envelope=envelope,
        produce=produce,
        topic_payloads=topic_payloads,
        DISPATCH_TOPIC=DISPATCH_TOPIC,
        REFERRALS_TOPIC=REFERRALS_TOPIC,
    )
