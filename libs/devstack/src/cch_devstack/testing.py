"""Pytest plugin: one real Postgres and one real broker per test session, the whole stack on demand.

Integration tests ask for `infra`; end-to-end tests ask for `stack`. Both use the same runner as
`make run`, on free ports and in a temporary folder, so tests never touch a developer's data.
"""

import asyncio
import contextlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from cch_devstack.config import StackConfig
from cch_devstack.provision import service_database_url
from cch_devstack.stack import Stack

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Poll `probe` until `until(result)` holds; fail with the last result after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = await probe()
        if until(last):
            result: T = last
            return result
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} not reached within {timeout:.0f}s; last value: {repr(last)[:500]}"
            )
        await asyncio.sleep(interval)


class Infra:
    """What integration tests get: URLs for the real Postgres and broker."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.config = stack.config

    @property
    def admin_url(self) -> str:
        return self.config.admin_database_url

    @property
    def bootstrap(self) -> str:
        return self.config.bootstrap_servers

    def service_url(self, svc: str) -> str:
        return service_database_url(self.admin_url, svc)

    @property
    def jwks_file(self) -> Path:
        return self.config.key_dir / "jwks.json"

    @property
    def private_key(self) -> Path:
        return self.config.key_dir / "dev-issuer.pem"

    def service_env(self, svc: str) -> dict[str, str]:
        return self.stack.service_env(svc)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    home = Path(tempfile.mkdtemp(prefix="cch-test-"))
    base = StackConfig.from_env()
    external_db = os.environ.get("CCH_TEST_DATABASE_URL")
    external_kafka = os.environ.get("CCH_TEST_KAFKA_BOOTSTRAP_SERVERS")
    config = StackConfig(
        home=home,
        external_database_url=external_db,
        external_kafka=external_kafka,
        seed_population=base.seed_population,
    ).with_free_ports()
    stack = Stack(config)
    stack.start_infrastructure()
    try:
        yield Infra(stack)
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def stack(infra: Infra) -> Iterator[Stack]:
    """Every service running on the session's infrastructure (end-to-end tier)."""
    infra.stack.start_services()
    try:
        yield infra.stack
    finally:
        for proc in infra.stack.processes.values():
            proc.terminate()
        for proc in infra.stack.processes.values():
            proc.wait_stopped()
        infra.stack.processes.clear()


@pytest.fixture(scope="session")
def token_for(infra: Infra) -> Callable[..., str]:
    from cch_auth.tokens import mint

    def make(*roles: str, scopes: str = "", **claims: Any) -> str:
        return mint(
            infra.private_key,
            subject=claims.pop("subject", f"test-{roles[0] if roles else 'anon'}"),
            roles=roles,
            scopes=scopes.split(),
            **claims,
        )

    return make


@contextlib.asynccontextmanager
async def service_app(
    infra: Infra, svc: str, create_app: Callable[[], Any], **env: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Run one service in-process (API, consumer, relay) against the session's real Postgres and
    broker, and give an HTTP client for it. Extra settings come as environment variables."""
    from fastapi import FastAPI

    settings_env = {**infra.service_env(svc), **env}
    saved = {k: os.environ.get(k) for k in settings_env}
    os.environ.update(settings_env)
    try:
        app: FastAPI = create_app()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=f"http://{svc}") as client:
                yield client
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cloud_event(payload: Any, *, event_id: str | None = None, source: str | None = None) -> bytes:
    """A contract payload in the structured CloudEvent envelope the relay would write."""
    from cch_contracts.registry import spec_for

    spec = spec_for(type(payload))
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id or str(uuid.uuid4()),
            "source": source or f"/cch/{spec.producer}",
            "type": spec.type,
            "time": datetime.now(UTC).isoformat(),
            "datacontenttype": "application/json",
            "data": payload.model_dump(mode="json"),
        }
    ).encode()


async def publish(infra: Infra, payload: Any, *, key: str, event_id: str | None = None) -> str:
    """Put one event on its contract topic, as another service would (for consumer tests)."""
    from aiokafka import AIOKafkaProducer

    event_id = event_id or str(uuid.uuid4())
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            payload.topic, cloud_event(payload, event_id=event_id), key=key.encode()
        )
    finally:
        await producer.stop()
    return event_id


async def topic_events(
    infra: Infra, topic: str, match: Callable[[dict[str, Any]], bool] = lambda _: True
) -> list[dict[str, Any]]:
    """Every CloudEvent on a topic so far whose envelope matches, read from the start (for
    asserting what a service published; poll it with `eventually`)."""
    from aiokafka import AIOKafkaConsumer

    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await reader.start()
    found: list[dict[str, Any]] = []
    try:
        while batch := await reader.getmany(timeout_ms=500, max_records=1000):
            for records in batch.values():
                found += [e for e in (json.loads(r.value) for r in records) if match(e)]
    finally:
        await reader.stop()
    return found
