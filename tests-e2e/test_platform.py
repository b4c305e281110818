"""The platform as a client sees it: every service up, tokens required, events flowing."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from cch_contracts.events.platform import ProbeSent
from cch_db import create_engine, session_factory
from cch_devstack.config import SERVICES
from cch_devstack.testing import eventually
from cch_messaging import MessagingUnitOfWork

pytestmark = pytest.mark.e2e


async def test_every_service_is_healthy_and_ready(stack):
    async with httpx.AsyncClient(timeout=10) as client:
        for svc in SERVICES:
            url = stack.config.service_url(svc)
            assert (await client.get(f"{url}/healthz")).json()["status"] == "ok"
            ready = await client.get(f"{url}/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_calls_without_a_valid_token_are_refused_with_a_clear_401(anonymous, gateway_url):
    r = await anonymous.get("/api/ops/events")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await anonymous.get("/fhir/CarePlan")
    assert r.status_code == 401
    assert r.json()["resourceType"] == "OperationOutcome"
    forged = await httpx.AsyncClient().get(
        f"{gateway_url}/api/ops/events", headers={"authorization": "Bearer not.a.token"}
    )
    assert forged.status_code == 401


async def test_a_role_without_permission_gets_403(gateway_url, token_for):
    clinician = token_for("clinician")
    async with httpx.AsyncClient() as client:
        r = await client.get(
            f"{gateway_url}/api/ops/events", headers={"authorization": f"Bearer {clinician}"}
        )
    assert r.status_code == 403


async def test_an_event_from_one_service_is_applied_once_by_another(infra, stack, ops):
    """referrals' outbox → relay → broker → ops consumer → ops event index (exactly once)."""
    from referrals.adapters.tables import inbox, outbox

    engine = create_engine(infra.service_url("referrals"), schema="referrals")
    probe = f"e2e-{uuid.uuid4().hex[:8]}"
    try:
        uow = MessagingUnitOfWork(session_factory(engine), outbox=outbox, inbox=inbox)
        async with uow:
            ids = [
                str(
                    uow.publish(
                        ProbeSent(probe_id=probe, sequence=i, sent_at=datetime.now(UTC)),
                        key=f"probe-{i}",
                        aggregate_type="probe",
                        aggregate_id=probe,
                    )
                )
                for i in range(5)
            ]
            await uow.commit()
    finally:
        await engine.dispose()

    async def indexed() -> list[dict]:
        return await ops.events(type=ProbeSent.event_type, subject=probe)

    events = await eventually(indexed, until=lambda e: len(e) == 5, what="5 indexed events")
    assert sorted(e["event_id"] for e in events) == sorted(ids)
    assert {e["source"] for e in events} == {"/cch/referrals"}
    assert all(e["topic"] == "cch.platform.v1" for e in events)


async def test_ops_sees_every_consumer_group_and_its_lag(ops):
    overview = await ops.streams()
    assert "cch.referrals.v1" in overview["topics"]
    assert "ops" in overview["consumer_groups"]
    ops_group = overview["consumer_groups"]["ops"]
    assert all(p["lag"] >= 0 for p in ops_group["partitions"])


async def test_gateway_serves_one_fhir_base(gateway_url, token_for):
    token = token_for("ehr-system", scopes="system/*.cruds")
    async with httpx.AsyncClient() as client:
        r = await client.get(
            f"{gateway_url}/fhir/Observation", headers={"authorization": f"Bearer {token}"}
        )
    assert r.status_code == 404
    assert r.json()["resourceType"] == "OperationOutcome"
