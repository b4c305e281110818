"""A waiting patient whose referral goes on hold is passed over when capacity frees, keeps their
place on the waiting list, and is placed when the referral resumes if there is room then."""

import pytest

from cch_devstack.testing import eventually, publish

from .test_referral_changes import status_changed

pytestmark = pytest.mark.integration

MANAGER = "hw-n-mental-health"  # the only mental health nurse in the north: nobody else fits


async def _case(client, worker, case_id, until, what):
    async def probe():
        return (await client.get(f"/cases/{case_id}", headers=worker)).json()

    return await eventually(probe, until=until, what=what)


async def _waiting(client, worker) -> list[dict]:
    r = await client.get("/waiting-list", params={"locality": "north"}, headers=worker)
    return [w for w in r.json()["items"] if w["most_pressing_need"] == "mental-health"]


async def _discharge(client, worker, case_id) -> dict:
    r = await client.post(
        f"/cases/{case_id}/reviews",
        headers=worker,
        json={"outcome": "discharge", "discharge_reason": "died"},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_held_waiting_patient_is_passed_over_and_placed_on_resumption(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        r = await client.post(
            "/case-managers",
            headers=lead,
            json={
                "manager_id": MANAGER,
                "name": "Held Waiting Nurse",
                "profession": "mental-health-nurse",
                "team_id": "it-cm-north",
                "capacity_points": 4,  # two High-tier cases
            },
        )
        assert r.status_code == 201, r.text
        referrals = [bus.accepted(locality="north", need="mental-health") for _ in range(4)]
        cases = []
        for referral in referrals:  # one at a time: their order on the waiting list is known
            await publish(infra, referral, key=referral.patient_key)
            cases.append(await bus.case_for(client, worker, referral.referral_id))
        first, second, held, behind = cases
        assert first["case_manager_id"] == second["case_manager_id"] == MANAGER
        assert held["status"] == behind["status"] == "waiting"

        held_referral = referrals[2]
        on_hold = status_changed(held_referral, "on-hold", previous="active")
        await publish(infra, on_hold, key=held_referral.patient_key)
        await _case(
            client, worker, held["case_id"], lambda c: c["referral_status"] == "on-hold", "hold"
        )
        waiting = await _waiting(client, worker)
        assert [(w["case_id"], w["on_hold"]) for w in waiting] == [
            (held["case_id"], True),
            (behind["case_id"], False),
        ]

        # capacity frees: the patient behind is placed, the held one keeps their place
        freed = await _discharge(client, worker, first["case_id"])
        assert freed["placed_from_waiting_list"] == 1
        placed = (await client.get(f"/cases/{behind['case_id']}", headers=worker)).json()
        assert placed["status"] == "active" and placed["case_manager_id"] == MANAGER
        still = (await client.get(f"/cases/{held['case_id']}", headers=worker)).json()
        assert still["status"] == "waiting" and still["case_manager_id"] is None
        waiting = await _waiting(client, worker)
        assert [(w["case_id"], w["on_hold"]) for w in waiting] == [(held["case_id"], True)]

        # room frees again while the referral is still on hold: nobody takes it
        freed = await _discharge(client, worker, second["case_id"])
        assert freed["placed_from_waiting_list"] == 0
        load = (await client.get(f"/caseloads/{MANAGER}", headers=worker)).json()
        assert load["case_manager"]["load_points"] == 2

        # the referral resumes: the patient is placed with the room that is free now
        resumed = status_changed(held_referral, "active", previous="on-hold")
        await publish(infra, resumed, key=held_referral.patient_key)
        now_placed = await _case(
            client, worker, held["case_id"], lambda c: c["status"] == "active", "placed on resume"
        )
        assert now_placed["case_manager_id"] == MANAGER
        assert now_placed["referral_status"] == "active"
        assert await _waiting(client, worker) == []
        assigned = await eventually(
            lambda: bus.topic_payloads(
                infra,
                bus.CASELOAD_TOPIC,
                lambda e: (
                    e["type"] == "cch.caseload.assigned.v1"
                    and e["data"]["case_id"] == held["case_id"]
                ),
            ),
            what="caseload.assigned for the resumed patient",
        )
        assert [a["data"]["case_manager"]["id"] for a in assigned] == [MANAGER]
