"""A coordinator moves a job to another clinician in one step; the first is freed, not declined."""

import pytest

from cch_devstack.testing import eventually

pytestmark = pytest.mark.integration

LUDLOW = {"postcode": "SY8 1AA"}


async def clinician_row(client, headers, cid):
    board = (await client.get("/board", headers=headers)).json()
    return next(c for c in board["clinicians"] if c["id"] == cid)


async def test_reassigning_moves_the_request_frees_the_first_clinician_and_says_who_had_it(
    dispatch, coordinator, kit, infra
):
    async with dispatch() as client:
        far = await kit.add_clinician(client, easting=330_000, northing=329_000)
        near = await kit.add_clinician(client, easting=351_200, northing=275_200)
        call = {**LUDLOW, "nhs_number": kit.nhs_number(), "reason": "fall, long lie"}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": far}, headers=coordinator
        )
        assert (await client.post(f"/requests/{rid}/accept", headers=coordinator)).is_success

        moved = await client.post(
            f"/requests/{rid}/reassign",
            json={"clinician_id": near, "reason": "closer clinician came free"},
            headers=coordinator,
        )
        assert moved.status_code == 200, moved.text
        body = moved.json()
        assert (body["status"], body["clinician_id"]) == ("assigned", near)
        assert body["history"][-1]["note"] == f"reassigned from {far}: closer clinician came free"
        assert not any("declined" in h["note"] for h in body["history"])
        assert far in body["why"] and body["projected_arrival"]
        assert (await clinician_row(client, coordinator, far))["status"] == "available"
        assert (await clinician_row(client, coordinator, near))["request_id"] == rid

        events = await eventually(
            lambda: kit.topic_payloads(
                infra, kit.DISPATCH_TOPIC, lambda b: b.get("subject") == rid
            ),
            until=lambda found: any(
                e["type"].endswith("assigned.v1") and e["data"]["clinician_id"] == near
                for e in found
            ),
            what="assigned event for the reassignment",
        )
        assigned = [e["data"] for e in events if e["type"].endswith("assigned.v1")]
        assert [(a["clinician_id"], a["previous_clinician_id"]) for a in assigned] == [
            (far, None),
            (near, far),
        ]
        assert not any(e["type"].endswith("declined.v1") for e in events)

        # The first clinician did not decline, so the job may go back to them.
        back = await client.post(
            f"/requests/{rid}/reassign",
            json={"clinician_id": far, "reason": "road closed near Ludlow"},
            headers=coordinator,
        )
        assert back.status_code == 200 and back.json()["clinician_id"] == far
        assert (await clinician_row(client, coordinator, near))["status"] == "available"
        await client.post(
            f"/requests/{rid}/cancel", json={"reason": "test over"}, headers=coordinator
        )


async def test_a_refused_reassignment_changes_nothing(dispatch, coordinator, kit, token_for):
    async with dispatch() as client:
        holder = await kit.add_clinician(client)
        unskilled = await kit.add_clinician(client, skills=["falls"])
        busy = await kit.add_clinician(client)
        other = {**LUDLOW, "nhs_number": kit.nhs_number(), "reason": "chest pain, known COPD"}
        other_id = (await client.post("/requests", json=other, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{other_id}/assign", json={"clinician_id": busy}, headers=coordinator
        )
        call = {
            **LUDLOW,
            "nhs_number": kit.nhs_number(),
            "reason": "blocked catheter",
            "skills_needed": ["catheter"],
        }
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]

        waiting = await client.post(
            f"/requests/{rid}/reassign",
            json={"clinician_id": holder, "reason": "x"},
            headers=coordinator,
        )
        assert waiting.status_code == 409 and waiting.json()["type"].endswith("/invalid-transition")
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": holder}, headers=coordinator
        )
        before = (await client.get(f"/requests/{rid}", headers=coordinator)).json()

        nurse = {"authorization": f"Bearer {token_for('clinician', practitioner_id=holder)}"}
        refusals = [
            ({"clinician_id": unskilled, "reason": "closer"}, coordinator, 422, "/missing-skill"),
            (
                {"clinician_id": busy, "reason": "closer"},
                coordinator,
                409,
                "/clinician-unavailable",
            ),
            ({"clinician_id": "ghost", "reason": "closer"}, coordinator, 404, "/unknown-clinician"),
            ({"clinician_id": holder, "reason": "same"}, coordinator, 409, "/invalid-transition"),
            ({"clinician_id": busy}, coordinator, 422, None),
            ({"clinician_id": busy, "reason": "closer"}, nurse, 403, None),
        ]
        for body, headers, status, kind in refusals:
            refused = await client.post(f"/requests/{rid}/reassign", json=body, headers=headers)
            assert refused.status_code == status, (body, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            if kind:
                assert refused.json()["type"].endswith(kind)

        after = (await client.get(f"/requests/{rid}", headers=coordinator)).json()
        assert after == before
        for cid, status, job in ((holder, "assigned", rid), (busy, "assigned", other_id)):
            row = await clinician_row(client, coordinator, cid)
            assert (row["status"], row["request_id"]) == (status, job)
        assert (await clinician_row(client, coordinator, unskilled))["status"] == "available"

        for step in ("accept", "arrive"):
            assert (await client.post(f"/requests/{rid}/{step}", headers=coordinator)).is_success
        reached = await client.post(
            f"/requests/{rid}/reassign",
            json={"clinician_id": unskilled, "reason": "too late"},
            headers=coordinator,
        )
        assert reached.status_code == 409
        for job in (rid, other_id):
            await client.post(
                f"/requests/{job}/cancel", json={"reason": "over"}, headers=coordinator
            )
