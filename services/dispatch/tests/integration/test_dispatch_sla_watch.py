"""At-risk and breach warnings fire exactly once each, driven by a fake clock (no sleeping)."""

from datetime import timedelta

import pytest

from cch_devstack.testing import eventually
from dispatch.domain.clock import FakeClock
from dispatch.service_layer.sla_watch import run_tick

pytestmark = pytest.mark.integration


async def test_unanswered_request_warns_once_then_breaches_once(
    dispatch, coordinator, kit, clock, infra
):
    async with dispatch() as client:
        call = {"postcode": "SY13 1AA", "nhs_number": kit.nhs_number(), "reason": "collapse"}
        req = (await client.post("/requests", json=call, headers=coordinator)).json()
        rid = req["id"]
        runtime = kit.runtime_of(client)
        later = FakeClock(clock.now())

        await run_tick(runtime, later)
        assert (await client.get(f"/requests/{rid}", headers=coordinator)).json()[
            "at_risk_warned_at"
        ] is None

        later.advance(timedelta(minutes=95))
        first = await run_tick(runtime, later)
        assert rid in first.at_risk
        again = await run_tick(runtime, later.advance(timedelta(minutes=1)) and later)
        assert rid not in again.at_risk and rid not in again.breached
        shown = (await client.get(f"/requests/{rid}", headers=coordinator)).json()
        assert shown["at_risk_warned_at"] is not None and shown["breached_at"] is None

        later.advance(timedelta(minutes=25))
        breached = await run_tick(runtime, later)
        assert rid in breached.breached
        assert rid not in (await run_tick(runtime, later)).breached
        shown = (await client.get(f"/requests/{rid}", headers=coordinator)).json()
        assert shown["breached_at"] is not None

        def mine(body):
            return body.get("subject") == rid and "sla-" in body["type"]

        warnings = await eventually(
            lambda: kit.topic_payloads(infra, kit.DISPATCH_TOPIC, mine),
            until=lambda found: len(found) >= 2,
            what="sla warnings",
        )
        assert sorted(w["type"] for w in warnings) == [
            "cch.dispatch.sla-at-risk.v1",
            "cch.dispatch.sla-breached.v1",
        ]
        breach = next(w for w in warnings if w["type"].endswith("breached.v1"))["data"]
        assert "no clinician assigned" in breach["reason"]


async def test_projected_late_arrival_warns_before_the_margin(dispatch, coordinator, kit, clock):
    async with dispatch() as client:
        far = await kit.add_clinician(client, easting=329_000, northing=329_500)  # Oswestry
        call = {"postcode": "SY8 1AA", "nhs_number": kit.nhs_number(), "reason": "fall"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": far}, headers=coordinator
        )
        runtime = kit.runtime_of(client)
        later = FakeClock(clock.now() + timedelta(minutes=60))
        result = await run_tick(runtime, later)
        shown = (await client.get(f"/requests/{rid}", headers=coordinator)).json()
        projected_late = shown["projected_arrival"] > shown["deadline"]
        assert (rid in result.at_risk) == projected_late
