"""Reviews fall due on the tier's schedule; each MDT outcome works; bad input changes nothing."""

from datetime import timedelta

import pytest

from caseload.service_layer.reviews import scan
from cch_devstack.testing import eventually, publish

pytestmark = pytest.mark.integration


async def setup_workforce(client, lead):
    for loc in ("north", "central", "south"):
        await client.post(
            "/teams",
            headers=lead,
            json={
                "team_id": f"ict-{loc}",
                "name": f"{loc} ICT",
                "locality": loc,
                "kind": "integrated-care",
            },
        )
        await client.post(
            "/teams",
            headers=lead,
            json={"team_id": f"it-cm-{loc}", "name": f"{loc} cm", "locality": loc},
        )
    for manager_id, profession, team, capacity in (
        ("it-n-nurse", "community-nurse", "it-cm-north", 400),
        ("it-n-matron", "community-matron", "it-cm-north", 400),
        ("it-c-nurse", "community-nurse", "it-cm-central", 400),
        ("it-s-social", "social-worker", "it-cm-south", 4),
    ):
        await client.post(
            "/case-managers",
            headers=lead,
            json={
                "manager_id": manager_id,
                "name": manager_id,
                "profession": profession,
                "team_id": team,
                "capacity_points": capacity,
            },
        )


async def open_case(client, infra, bus, worker, **kw):
    referral = bus.accepted(**kw)
    await publish(infra, referral, key=referral.patient_key)

    async def probe():
        r = await client.get("/cases", params={"referral_id": referral.referral_id}, headers=worker)
        return r.json()["items"]

    return (await eventually(probe, what="case opened"))[0]


async def test_reviews_fall_due_on_the_schedule_and_are_announced_once(
    infra, caseload, lead, worker, bus, clock
):
    async with caseload() as client:
        await setup_workforce(client, lead)
        case = await open_case(client, infra, bus, worker, locality="north", tier="high")
        app = client._transport.app  # the in-process app: its runtime's Unit of Work factory
        runtime = app.state.runtime
        due = (await client.get("/reviews/due", headers=worker)).json()
        assert case["case_id"] not in {i["case_id"] for i in due["items"]}
        clock.advance(timedelta(days=29))
        try:
            first = await scan(runtime.uow, clock=clock)
            assert first.reviews_announced >= 1
            again = await scan(runtime.uow, clock=clock)
            assert again.reviews_announced == 0  # once per due date
            due = (await client.get("/reviews/due", headers=worker)).json()
            row = next(i for i in due["items"] if i["case_id"] == case["case_id"])
            assert row["days_overdue"] == 1
            events = await eventually(
                lambda: bus.topic_payloads(
                    infra,
                    bus.CASELOAD_TOPIC,
                    lambda e: (
                        e["type"] == "cch.review.due.v1" and e["data"]["case_id"] == case["case_id"]
                    ),
                ),
                what="review.due",
            )
            assert len(events) == 1 and events[0]["data"]["due_on"] == case["next_review_on"]
            # a review continues the case and reschedules from today
            r = await client.post(
                f"/cases/{case['case_id']}/reviews",
                headers=worker,
                json={"outcome": "continue", "notes": "stable"},
            )
            assert r.status_code == 201, r.text
            assert r.json()["next_review_on"] > case["next_review_on"]
        finally:
            clock.advance(timedelta(days=-29))


async def test_each_review_outcome_and_its_event(infra, caseload, lead, worker, bus):
    async with caseload() as client:
        await setup_workforce(client, lead)
        case = await open_case(client, infra, bus, worker, locality="north", tier="high")
        cid = case["case_id"]
        adjust = await client.post(
            f"/cases/{cid}/reviews",
            headers=worker,
            json={"outcome": "adjust-plan", "plan_summary": "add falls assessment"},
        )
        assert adjust.status_code == 201, adjust.text
        other = "it-n-matron" if case["case_manager_id"] == "it-n-nurse" else "it-n-nurse"
        transfer = await client.post(
            f"/cases/{cid}/reviews",
            headers=worker,
            json={"outcome": "transfer", "transfer_to_case_manager": other, "notes": "EoL needs"},
        )
        assert transfer.status_code == 201 and transfer.json()["case_manager_id"] == other
        no_reason = await client.post(
            f"/cases/{cid}/reviews", headers=worker, json={"outcome": "discharge"}
        )
        assert no_reason.status_code == 422
        assert no_reason.json()["type"].endswith("discharge-reason-required")
        before = (await client.get(f"/caseloads/{other}", headers=worker)).json()
        discharged = await client.post(
            f"/cases/{cid}/reviews",
            headers=worker,
            json={
                "outcome": "discharge",
                "discharge_reason": "patient-choice",
                "notes": "declined",
            },
        )
        assert discharged.status_code == 201 and discharged.json()["status"] == "discharged"
        after = (await client.get(f"/caseloads/{other}", headers=worker)).json()
        assert after["case_manager"]["load_points"] == before["case_manager"]["load_points"] - 2
        closed = await client.post(
            f"/cases/{cid}/reviews", headers=worker, json={"outcome": "continue"}
        )
        assert closed.status_code == 409
        types = await eventually(
            lambda: bus.topic_payloads(
                infra, bus.CASELOAD_TOPIC, lambda e: e["data"].get("case_id") == cid
            ),
            until=lambda evs: len(evs) >= 4,
            what="events of the case",
        )
        assert [e["type"] for e in types] == [
            "cch.caseload.assigned.v1",
            "cch.caseload.plan-adjustment-requested.v1",
            "cch.caseload.transferred.v1",
            "cch.caseload.discharged.v1",
        ]
        detail = (await client.get(f"/cases/{cid}", headers=worker)).json()
        assert [r["outcome"] for r in detail["reviews"]] == ["adjust-plan", "transfer", "discharge"]


async def test_waiting_list_fills_and_frees_and_overrides_need_a_reason(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await setup_workforce(client, lead)
        first = await open_case(client, infra, bus, worker, locality="south", need="social")
        second = await open_case(client, infra, bus, worker, locality="south", need="social")
        waiting = await open_case(client, infra, bus, worker, locality="south", need="social")
        assert first["case_manager_id"] == second["case_manager_id"] == "it-s-social"
        assert waiting["status"] == "waiting"
        listed = (await client.get("/waiting-list", headers=worker)).json()["items"]
        entry = next(i for i in listed if i["case_id"] == waiting["case_id"])
        assert "at capacity" in entry["reason"]
        # capacity below the current load is refused, and nothing changes
        cut = await client.patch(
            "/case-managers/it-s-social", headers=lead, json={"capacity_points": 2}
        )
        assert cut.status_code == 409
        assert (await client.get("/case-managers/it-s-social", headers=worker)).json()[
            "capacity_points"
        ] == 4
        # override without a reason; to someone outside the locality without one
        assert (
            await client.post(
                f"/cases/{waiting['case_id']}/override",
                headers=lead,
                json={"case_manager_id": "it-c-nurse", "reason": " "},
            )
        ).status_code == 422
        outside = await client.post(
            f"/cases/{waiting['case_id']}/override",
            headers=lead,
            json={"case_manager_id": "it-c-nurse", "reason": "continuity"},
        )
        assert outside.status_code == 422
        assert outside.json()["type"].endswith("out-of-locality-needs-reason")
        assert (
            await client.post(
                f"/cases/{waiting['case_id']}/override",
                headers=worker,
                json={"case_manager_id": "it-c-nurse", "reason": "x"},
            )
        ).status_code == 403
        # discharging one frees capacity: the waiting patient is placed at once
        r = await client.post(
            f"/cases/{first['case_id']}/reviews",
            headers=worker,
            json={"outcome": "discharge", "discharge_reason": "died"},
        )
        assert r.status_code == 201 and r.json()["placed_from_waiting_list"] == 1
        placed = (await client.get(f"/cases/{waiting['case_id']}", headers=worker)).json()
        assert placed["status"] == "active" and placed["case_manager_id"] == "it-s-social"


async def test_bad_input_is_a_clear_4xx(caseload, lead, worker, token_for):
    async with caseload() as client:
        await setup_workforce(client, lead)
        assert (await client.get("/caseloads/nobody", headers=worker)).status_code == 404
        assert (await client.get("/cases/none", headers=worker)).status_code == 404
        assert (await client.get("/waiting-list")).status_code == 401
        bad = await client.post(
            "/case-managers",
            headers=lead,
            json={
                "manager_id": "x1",
                "name": "X",
                "profession": "wizard",
                "team_id": "it-cm-north",
            },
        )
        assert bad.status_code == 422
        unknown_team = await client.post(
            "/case-managers",
            headers=lead,
            json={
                "manager_id": "x1",
                "name": "X",
                "profession": "community-nurse",
                "team_id": "nope",
            },
        )
        assert unknown_team.status_code == 404
        dup_ict = await client.post(
            "/teams",
            headers=lead,
            json={"team_id": "ict-2", "name": "n", "locality": "north", "kind": "integrated-care"},
        )
        assert dup_ict.status_code == 422
        assert (
            await client.patch("/case-managers/ghost", headers=lead, json={"capacity_points": 10})
        ).status_code == 404
        commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
        report = await client.get("/reports/caseloads", headers=commissioner)
        assert report.status_code == 200
        county = report.json()["by_locality"][-1]
        assert county["locality"] == "county" and county["modelled"] == 8793
        assert (await client.get("/reports/caseloads", headers=worker)).status_code == 403
