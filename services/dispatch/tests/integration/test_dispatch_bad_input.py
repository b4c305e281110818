"""Bad input gets a clear 4xx problem and changes nothing."""

import pytest

pytestmark = pytest.mark.integration


async def test_bad_calls_are_refused_and_leave_the_request_as_it_was(dispatch, coordinator, kit):
    async with dispatch() as client:
        nhs = kit.nhs_number()
        call = {
            "postcode": "SY1 1AA",
            "nhs_number": nhs,
            "reason": "chest infection",
            "skills_needed": ["iv"],
        }

        unknown = await client.post(
            "/requests", json={**call, "postcode": "ZZ9 9ZZ"}, headers=coordinator
        )
        assert unknown.status_code == 422 and unknown.json()["type"].endswith("/unknown-postcode")
        # Well formed and in a county postcode area, but not a live postcode: refused even with
        # a grid point, since a coordinator's call must name where the patient is.
        not_live = await client.post(
            "/requests",
            json={**call, "postcode": "SY99 9ZZ", "easting": 349_000, "northing": 313_000},
            headers=coordinator,
        )
        assert not_live.status_code == 422
        assert not_live.json()["type"].endswith("/unknown-postcode")
        abroad = await client.post(
            "/requests", json={**call, "easting": 300_000, "northing": 250_000}, headers=coordinator
        )
        assert abroad.status_code == 422 and abroad.json()["type"].endswith("/outside-county")
        bad_nhs = await client.post(
            "/requests", json={**call, "nhs_number": "1234567890"}, headers=coordinator
        )
        assert bad_nhs.status_code == 422
        bad_priority = await client.post(
            "/requests", json={**call, "priority": 4}, headers=coordinator
        )
        assert bad_priority.status_code == 422

        created = await client.post("/requests", json=call, headers=coordinator)
        assert created.status_code == 201, created.text
        rid = created.json()["id"]
        twice = await client.post("/requests", json=call, headers=coordinator)
        assert twice.status_code == 409 and twice.json()["type"].endswith("/open-request-exists")

        no_iv = await kit.add_clinician(client, skills=["prescribing"])
        unskilled = await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": no_iv}, headers=coordinator
        )
        assert unskilled.status_code == 422 and unskilled.json()["type"].endswith("/missing-skill")
        nobody = await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": "ghost"}, headers=coordinator
        )
        assert nobody.status_code == 404
        out_of_order = await client.post(f"/requests/{rid}/accept", headers=coordinator)
        assert out_of_order.status_code == 409
        assert (
            await client.post("/requests/rr-missing/accept", headers=coordinator)
        ).status_code == 404

        moved = await client.post(
            f"/clinicians/{no_iv}/position",
            json={"easting": 400_000, "northing": 300_000},
            headers=coordinator,
        )
        assert moved.status_code == 422 and moved.json()["type"].endswith("/outside-county")
        board = (await client.get("/board", headers=coordinator)).json()
        me = next(c for c in board["clinicians"] if c["id"] == no_iv)
        assert (me["easting"], me["status"]) == (351_000, "available")
        ok = await client.post(
            f"/clinicians/{no_iv}/position",
            json={"easting": 350_000, "northing": 300_000},
            headers=coordinator,
        )
        assert ok.status_code == 200 and ok.json()["easting"] == 350_000

        after = (await client.get(f"/requests/{rid}", headers=coordinator)).json()
        assert after["status"] == "requested" and after["clinician_id"] is None
        assert len(after["history"]) == 1


async def test_steps_out_of_order_are_refused_and_leave_request_and_clinician_as_they_were(
    dispatch, coordinator, kit, infra
):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        call = {"postcode": "SY8 1AA", "nhs_number": kit.nhs_number(), "reason": "fall"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": nurse}, headers=coordinator
        )
        before = (await client.get(f"/requests/{rid}", headers=coordinator)).json()

        for step, body in (
            ("arrive", None),  # arrive before accept
            ("en-route", None),
            ("complete", {"outcome": "stayed-home"}),
            ("assign", {"clinician_id": nurse}),
        ):
            refused = await client.post(f"/requests/{rid}/{step}", json=body, headers=coordinator)
            assert refused.status_code == 409, (step, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["type"].endswith("/invalid-transition")

        assert (await client.get(f"/requests/{rid}", headers=coordinator)).json() == before
        board = (await client.get("/board", headers=coordinator)).json()
        me = next(c for c in board["clinicians"] if c["id"] == nurse)
        assert (me["status"], me["request_id"]) == ("assigned", rid)
        assert (await client.post(f"/requests/{rid}/accept", headers=coordinator)).is_success
        events = await kit.topic_payloads(
            infra, kit.DISPATCH_TOPIC, lambda b: b.get("subject") == rid
        )
        assert not any(e["type"].endswith(("arrived.v1", "completed.v1")) for e in events)
        await client.post(f"/requests/{rid}/cancel", json={"reason": "over"}, headers=coordinator)
