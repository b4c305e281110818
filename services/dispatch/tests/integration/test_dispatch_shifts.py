"""Shifts start and end over the API; handover re-plans what was not yet reached."""

import uuid
from datetime import datetime, timedelta

import pytest

from cch_devstack.testing import eventually
from dispatch.service_layer.sla_watch import run_tick

pytestmark = pytest.mark.integration

LUDLOW = {"postcode": "SY8 1AA"}


def clinician_events(body, cid):
    return body.get("data", {}).get("clinician_id") == cid and "shift" in body["type"]


async def test_going_off_shift_hands_over_a_request_not_yet_reached(
    dispatch, coordinator, kit, clock, infra
):
    async with dispatch() as client:
        leaving = await kit.add_clinician(client)
        call = {**LUDLOW, "nhs_number": kit.nhs_number(), "reason": "fall, long lie"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": leaving}, headers=coordinator
        )
        await client.post(f"/requests/{rid}/accept", headers=coordinator)

        clock.advance(timedelta(minutes=3))
        ended = await client.post(f"/clinicians/{leaving}/end-shift", headers=coordinator)
        assert ended.status_code == 200, ended.text
        body = ended.json()
        assert body["status"] == "off-shift" and body["handed_over"] == [rid]
        back = (await client.get(f"/requests/{rid}", headers=coordinator)).json()
        assert back["status"] == "requested" and back["clinician_id"] is None
        assert "shift handover" in back["history"][-1]["note"]
        again = await client.post(f"/clinicians/{leaving}/end-shift", headers=coordinator)
        assert again.status_code == 409

        proposal = (await client.get(f"/requests/{rid}/proposal", headers=coordinator)).json()
        assert proposal["clinician_id"] != leaving

        events = await eventually(
            lambda: kit.topic_payloads(
                infra, kit.DISPATCH_TOPIC, lambda b: b.get("subject") == rid
            ),
            until=lambda found: any(e["type"].endswith("released.v1") for e in found),
            what="released event",
        )
        released = next(e["data"] for e in events if e["type"].endswith("released.v1"))
        assert released["clinician_id"] == leaving
        ended_events = await eventually(
            lambda: kit.topic_payloads(
                infra, kit.DISPATCH_TOPIC, lambda b: clinician_events(b, leaving)
            ),
            until=lambda found: any(e["type"].endswith("shift-ended.v1") for e in found),
            what="shift-ended event",
        )
        assert ended_events[-1]["data"]["released_request_ids"] == [rid]


async def test_clinician_on_scene_finishes_the_visit_before_going_off_shift(
    dispatch, coordinator, kit, clock
):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        call = {**LUDLOW, "nhs_number": kit.nhs_number(), "reason": "catheter bypassing"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": nurse}, headers=coordinator
        )
        for step in ("accept", "en-route", "arrive"):
            clock.advance(timedelta(minutes=4))
            assert (await client.post(f"/requests/{rid}/{step}", headers=coordinator)).is_success

        ended = (await client.post(f"/clinicians/{nurse}/end-shift", headers=coordinator)).json()
        assert ended["status"] == "on-scene" and ended["finishing"] == rid
        assert ended["handed_over"] == [] and ended["leaving_after_job"] is True
        clock.advance(timedelta(minutes=30))
        done = await client.post(
            f"/requests/{rid}/complete", json={"outcome": "stayed-home"}, headers=coordinator
        )
        assert done.status_code == 200
        board = (await client.get("/board", headers=coordinator)).json()
        assert [c["status"] for c in board["clinicians"] if c["id"] == nurse] == ["off-shift"]


async def test_shift_is_rostered_started_and_ended_by_the_watch_at_its_end(
    dispatch, coordinator, kit, clock
):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        await client.post(f"/clinicians/{nurse}/end-shift", headers=coordinator)
        now = clock.now()
        early = await client.post(f"/clinicians/{nurse}/start-shift", json={}, headers=coordinator)
        assert early.status_code == 200  # the test roster's shift runs to 2100

        await client.post(f"/clinicians/{nurse}/end-shift", headers=coordinator)
        start, end = now + timedelta(hours=1), now + timedelta(hours=9)
        rostered = await client.put(
            f"/clinicians/{nurse}/shift",
            json={"start": start.isoformat(), "end": end.isoformat()},
            headers=coordinator,
        )
        assert rostered.status_code == 200, rostered.text
        assert rostered.json()["shift_end"] == end.isoformat()
        refused = await client.post(
            f"/clinicians/{nurse}/start-shift", json={}, headers=coordinator
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        backwards = await client.put(
            f"/clinicians/{nurse}/shift",
            json={"start": end.isoformat(), "end": start.isoformat()},
            headers=coordinator,
        )
        assert backwards.status_code == 422

        clock.advance(timedelta(hours=1, minutes=1))
        started = await client.post(
            f"/clinicians/{nurse}/start-shift", json={}, headers=coordinator
        )
        assert started.json()["status"] == "available"
        clock.advance(timedelta(hours=8))
        await run_tick(kit.runtime_of(client), clock)
        board = (await client.get("/board", headers=coordinator)).json()
        assert [c["status"] for c in board["clinicians"] if c["id"] == nurse] == ["off-shift"]


async def test_a_clinician_cannot_end_someone_elses_shift(dispatch, kit, token_for):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        someone = f"x-{uuid.uuid4().hex[:6]}"
        other = {"authorization": f"Bearer {token_for('clinician', practitioner_id=someone)}"}
        assert (
            await client.post(f"/clinicians/{nurse}/end-shift", headers=other)
        ).status_code == 403
        me = {"authorization": f"Bearer {token_for('clinician', practitioner_id=nurse)}"}
        assert (await client.post(f"/clinicians/{nurse}/end-shift", headers=me)).status_code == 200


async def test_a_rostered_shift_starts_on_its_own_at_its_start(
    dispatch, coordinator, kit, clock, infra
):
    async with dispatch() as client:
        runtime = kit.runtime_of(client)
        nurse = await kit.add_clinician(client)
        await client.post(f"/clinicians/{nurse}/end-shift", headers=coordinator)
        start = clock.now() + timedelta(hours=2)
        rostered = await client.put(
            f"/clinicians/{nurse}/shift",
            json={"start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat()},
            headers=coordinator,
        )
        assert rostered.status_code == 200, rostered.text

        async def status():
            return (await client.get("/board", headers=coordinator)).json()["clinicians"]

        await run_tick(runtime, clock)
        assert [c["status"] for c in await status() if c["id"] == nurse] == ["off-shift"]

        clock.advance(timedelta(hours=2))
        await run_tick(runtime, clock)
        me = next(c for c in await status() if c["id"] == nurse)
        assert me["status"] == "available"

        started = await eventually(
            lambda: kit.topic_payloads(
                infra, kit.DISPATCH_TOPIC, lambda b: clinician_events(b, nurse)
            ),
            until=lambda found: any(e["type"].endswith("shift-started.v1") for e in found),
            what="shift-started event",
        )
        event = next(e["data"] for e in started if e["type"].endswith("shift-started.v1"))
        assert datetime.fromisoformat(event["started_at"]) == start

        # Ended early by hand: the watch does not put them back on for the rest of the shift.
        clock.advance(timedelta(hours=1))
        assert (await client.post(f"/clinicians/{nurse}/end-shift", headers=coordinator)).is_success
        clock.advance(timedelta(minutes=30))
        await run_tick(runtime, clock)
        assert [c["status"] for c in await status() if c["id"] == nurse] == ["off-shift"]
