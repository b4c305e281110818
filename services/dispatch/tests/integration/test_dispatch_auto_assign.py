"""With auto-assign on, the engine assigns by itself and re-plans on every change, saying why."""

from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from cch_devstack.testing import eventually, service_app
from dispatch.main import create_app

pytestmark = pytest.mark.integration

# Bishop's Castle: far from every seeded base and from the clinicians other tests leave idle.
BISHOPS_CASTLE = {"postcode": "SY9 5AA"}
NEAR = {"easting": 332_300, "northing": 288_600}
FURTHER = {"easting": 335_500, "northing": 292_000}
CLUN = {"postcode": "SY7 8AA"}
IN_CLUN = {"easting": 336_477, "northing": 284_342}


@pytest.fixture
def auto_dispatch(infra, clock):
    @asynccontextmanager
    async def run():
        async with service_app(
            infra,
            "dispatch",
            lambda: create_app(clock),
            DISPATCH_SLA_TICK_SECONDS="3600",
            DISPATCH_AUTO_ASSIGN="true",
        ) as client:
            yield client

    return run


async def test_new_call_is_assigned_at_once_and_a_decline_is_replanned_to_another_clinician(
    auto_dispatch, coordinator, kit, clock, infra
):
    async with auto_dispatch() as client:
        near = await kit.add_clinician(client, **NEAR)
        further = await kit.add_clinician(client, **FURTHER)
        call = {**BISHOPS_CASTLE, "nhs_number": kit.nhs_number(), "reason": "fall at home"}
        created = await client.post("/requests", json=call, headers=coordinator)
        assert created.status_code == 201, created.text
        req = created.json()
        assert req["status"] == "assigned" and req["clinician_id"] == near
        assert req["why"].startswith("auto-assigned on new request: Projected arrival")
        rid = req["id"]

        clock.advance(timedelta(minutes=2))
        declined = await client.post(
            f"/requests/{rid}/decline", json={"reason": "still with a patient"}, headers=coordinator
        )
        assert declined.status_code == 200, declined.text
        after = declined.json()
        assert after["status"] == "assigned" and after["clinician_id"] == further
        assert after["why"].startswith("auto-assigned on decline:")
        board = (await client.get("/board", headers=coordinator)).json()
        assert board["auto_assign"] is True
        status = {c["id"]: c["status"] for c in board["clinicians"]}
        assert status[near] == "available" and status[further] == "assigned"

        def mine(body):
            return body.get("subject") == rid

        events = await eventually(
            lambda: kit.topic_payloads(infra, kit.DISPATCH_TOPIC, mine),
            until=lambda found: sum(e["type"].endswith("assigned.v1") for e in found) == 2,
            what="assigned events",
        )
        assigned = [e["data"] for e in events if e["type"].endswith("assigned.v1")]
        assert [a["clinician_id"] for a in assigned] == [near, further]
        assert {a["assigned_by"] for a in assigned} == {"engine"}
        assert all(a["why"] for a in assigned)


async def test_a_freed_clinician_takes_the_waiting_request(auto_dispatch, coordinator, kit, clock):
    async with auto_dispatch() as client:
        nurse = await kit.add_clinician(client, **IN_CLUN)
        first = {**CLUN, "nhs_number": kit.nhs_number(), "reason": "chest infection"}
        second = {**CLUN, "nhs_number": kit.nhs_number(), "reason": "delirium"}
        created = await client.post("/requests", json=first, headers=coordinator)
        assert created.status_code == 201, created.text
        a = created.json()
        assert a["clinician_id"] == nurse
        for step in ("accept", "en-route", "arrive"):
            clock.advance(timedelta(minutes=5))
            r = await client.post(f"/requests/{a['id']}/{step}", headers=coordinator)
            assert r.status_code == 200, r.text
        b = (await client.post("/requests", json=second, headers=coordinator)).json()
        assert b["status"] in ("requested", "assigned")
        assert b["clinician_id"] != nurse  # the only local nurse is on scene

        clock.advance(timedelta(minutes=40))
        done = await client.post(
            f"/requests/{a['id']}/complete", json={"outcome": "admitted"}, headers=coordinator
        )
        assert done.status_code == 200, done.text
        waiting = (await client.get(f"/requests/{b['id']}", headers=coordinator)).json()
        assert waiting["status"] == "assigned" and waiting["clinician_id"] == nurse
        assert waiting["why"].startswith("auto-assigned on clinician freed:")
