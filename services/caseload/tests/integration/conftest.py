"""Caseload in-process against the real Postgres and broker, with a clock the tests move."""

import json
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from caseload.domain.clock import FakeClock
from caseload.main import create_app
from cch_contracts import EventPayload
from cch_contracts.events.referrals import ReferralAccepted
from cch_contracts.topics import Topic
from cch_devstack.testing import service_app

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def caseload(infra, clock):
    """Start the service (scan once an hour: tests drive the schedule themselves)."""

    @asynccontextmanager
    async def run():
        async with service_app(
            infra, "caseload", lambda: create_app(clock), CASELOAD_REVIEW_SCAN_SECONDS="3600"
        ) as client:
            yield client

    return run


@pytest.fixture(scope="session")
def lead(token_for) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for('team-lead', subject='lead-1')}"}


@pytest.fixture(scope="session")
def worker(token_for) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for('case-manager', practitioner_id='cm-tester')}"}


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


def accepted(
    *,
    need_level: str = "severe",
    locality: str = "north",
    tier: str | None = "high",
    need: str | None = "nursing",
    nhs_number: str | None = None,
) -> ReferralAccepted:
    n = uuid.uuid4().hex[:10]
    return ReferralAccepted(
        referral_id=f"ref-{n}",
        patient_key=f"pk-{n}",
        nhs_number=nhs_number,
        need_level=need_level,
        locality=locality,
        practice_code=None,
        tier=tier,
        most_pressing_need=need,
        decided_by="mdt-north",
        decided_at=datetime.now(UTC),
    )


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


CASELOAD_TOPIC = Topic.CASELOAD.value
REFERRALS_TOPIC = Topic.REFERRALS.value


@pytest.fixture(scope="session")
def bus():
    """Helpers to publish upstream events and read what caseload published."""
    from types import SimpleNamespace

    return SimpleNamespace(
        envelope=envelope,
        produce=produce,
        accepted=accepted,
        topic_payloads=topic_payloads,
        CASELOAD_TOPIC=CASELOAD_TOPIC,
        REFERRALS_TOPIC=REFERRALS_TOPIC,
    )
