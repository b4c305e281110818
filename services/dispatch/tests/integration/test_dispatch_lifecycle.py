"""A crisis call becomes a timed request, tracked to arrival; the outcome flows on."""

from datetime import timedelta

import pytest

from cch_devstack.testing import eventually

pytestmark = pytest.mark.integration

LUDLOW = {"postcode": "SY8 1AA"}


async def test_call_is_tracked_from_receipt_to_outcome_with_an_event_per_step(
    dispatch, coordinator, kit, clock, infra, token_for
):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client, easting=351_500, northing=275_500)
        call = {
            **LUDLOW,
            "nhs_number": kit.nhs_number(),
            "reason": "fall, confused",
            "skills_needed": ["prescribing"],
            "priority": 1,
            "high_risk": True,
        }
        created = await client.post("/requests", json=call, headers=coordinator)
        assert created.status_code == 201, created.text
        req = created.json()
        rid = req["id"]
        assert req["status"] == "requested" and req["locality"] == "south"
        assert req["minutes_left"] == 120.0

        board = (await client.get("/board", headers=coordinator)).json()
        assert rid in [r["id"] for r in board["requests"]]
        assert nurse in [c["id"] for c in board["clinicians"]]

        proposal = (await client.get(f"/requests/{rid}/proposal", headers=coordinator)).json()
        assert proposal["clinician_id"] and proposal["why"]

        assigned = await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": nurse}, headers=coordinator
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["status"] == "assigned" and assigned.json()["why"]

        early = await client.post(f"/requests/{rid}/arrive", headers=coordinator)
        assert early.status_code == 409
        assert early.headers["content-type"].startswith("application/problem+json")
        assert (await client.get(f"/requests/{rid}", headers=coordinator)).json()[
            "status"
        ] == "assigned"

        for step in ("accept", "en-route"):
            clock.advance(timedelta(minutes=5))
            r = await client.post(f"/requests/{rid}/{step}", headers=coordinator)
            assert r.status_code == 200, r.text
        clock.advance(timedelta(minutes=25))
        arrived = (await client.post(f"/requests/{rid}/arrive", headers=coordinator)).json()
        assert arrived["status"] == "arrived" and arrived["within_sla"] is True
        assert arrived["response_minutes"] == pytest.approx(35.0)

        done = await client.post(
            f"/requests/{rid}/complete", json={"outcome": "stayed-home"}, headers=coordinator
        )
        assert done.status_code == 200, done.text
        assert done.json()["refer_to_case_management"] is True
        busy = [
            c
            for c in (await client.get("/board", headers=coordinator)).json()["clinicians"]
            if c["id"] == nurse
        ]
        assert busy[0]["status"] == "available"

        def mine(body):
            return body.get("subject") == rid

        events = await eventually(
            lambda: kit.topic_payloads(infra, kit.DISPATCH_TOPIC, mine),
            until=lambda found: any(e["type"].endswith("completed.v1") for e in found),
            what="dispatch events",
        )
        types = [e["type"] for e in events]
        assert types == [
            "cch.dispatch.requested.v1",
            "cch.dispatch.assigned.v1",
            "cch.dispatch.accepted.v1",
            "cch.dispatch.en-route.v1",
            "cch.dispatch.arrived.v1",
            "cch.dispatch.completed.v1",
        ]
        completed = events[-1]["data"]
        assert completed["outcome"] == "stayed-home"
        assert completed["refer_to_case_management"] is True

        report = (await client.get("/reports/compliance", headers=coordinator)).json()
        assert report["overall"]["within_120"] >= 1
        assert "south" in report["by_locality"] and report["by_day"]
        commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
        assert (await client.get("/reports/compliance", headers=commissioner)).json() == report


async def test_declined_request_goes_back_to_the_queue_without_that_clinician(
    dispatch, coordinator, kit
):
    async with dispatch() as client:
        first = await kit.add_clinician(client)
        second = await kit.add_clinician(client, easting=347_000)
        call = {**LUDLOW, "nhs_number": kit.nhs_number(), "reason": "breathless"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": first}, headers=coordinator
        )
        declined = await client.post(
            f"/requests/{rid}/decline", json={"reason": "car broke"}, headers=coordinator
        )
        assert declined.json()["status"] == "requested"
        again = await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": first}, headers=coordinator
        )
        assert again.status_code == 409
        other = await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": second}, headers=coordinator
        )
        assert other.status_code == 200
        cancelled = await client.post(
            f"/requests/{rid}/cancel", json={"reason": "admitted"}, headers=coordinator
        )
        assert cancelled.json()["status"] == "cancelled"
        board = (await client.get("/board", headers=coordinator)).json()
        assert rid not in [r["id"] for r in board["requests"]]
        assert [c["status"] for c in board["clinicians"] if c["id"] == second] == ["available"]


async def test_a_clinician_may_only_act_on_their_own_request(dispatch, coordinator, kit, token_for):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        call = {**LUDLOW, "nhs_number": kit.nhs_number(), "reason": "catheter blocked"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": nurse}, headers=coordinator
        )
        someone = {"authorization": f"Bearer {token_for('clinician', practitioner_id='other')}"}
        assert (await client.post(f"/requests/{rid}/accept", headers=someone)).status_code == 403
        me = {"authorization": f"Bearer {token_for('clinician', practitioner_id=nurse)}"}
        assert (await client.post(f"/requests/{rid}/accept", headers=me)).status_code == 200
        assert (await client.post("/requests", json=call, headers=me)).status_code == 403
        assert (await client.get("/board")).status_code == 401
