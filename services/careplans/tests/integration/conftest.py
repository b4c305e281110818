"""Fixtures of the careplans integration tests: the service in-process, tokens, the topic."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).parent))

from fhir_helpers import ORG, bearer

from careplans.main import create_app
from cch_devstack.testing import service_app


@pytest.fixture
async def client(infra):
    async with service_app(infra, "careplans", create_app) as c:
        yield c


@pytest.fixture
def system(token_for):
    """An EHR system of organisation ORG (it manages the care teams the tests create)."""
    return bearer(token_for("ehr-system", scopes="system/*.cruds", organisation=ORG))


@pytest.fixture
def platform(token_for):
    """The platform itself: a trusted system that reaches every patient."""
    return bearer(token_for("ehr-system", scopes="system/*.cruds", organisation="cch-platform"))


async def topic_events(
    infra, topic: str, match: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """Every CloudEvent on a topic so far whose envelope matches (read from the start)."""
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await reader.start()
    found = []
    try:
        while batch := await reader.getmany(timeout_ms=500, max_records=1000):
            for records in batch.values():
                found += [b for b in (json.loads(r.value) for r in records) if match(b)]
    finally:
        await reader.stop()
    return found
