"""The MDT includes a patient again through the same referral after their case closed: a new
case (the next episode) with a named case manager, the closed case kept as history. The same
decision arriving again, under any event id, opens nothing more. Decisions are told apart by
their version where referral.accepted.v1 names it (the MDT may backdate a re-inclusion), by
their time where it does not."""

from datetime import timedelta

import pytest

from cch_contracts.vocabulary import NeedLevel
from cch_devstack.testing import eventually, publish

from .test_referral_changes import reversed_inclusion, status_changed

pytestmark = pytest.mark.integration


async def _cases_of(client, worker, referral_id, *, count: int, what: str) -> list[dict]:
    async def probe():
        r = await client.get("/cases", params={"referral_id": referral_id}, headers=worker)
        return r.json()["items"]

    return await eventually(probe, until=lambda items: len(items) >= count, what=what)


async def _applied_after(client, infra, bus, worker, patient_key) -> None:
    """Wait until the consumer has passed everything published so far for this patient."""
    marker = bus.accepted(locality="central")
    await publish(infra, marker, key=patient_key)
    await bus.case_for(client, worker, marker.referral_id)


async def test_a_patient_included_again_after_discharge_gets_a_new_case(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north")
        key = referral.patient_key
        await publish(infra, referral, key=key)
        first = await bus.case_for(client, worker, referral.referral_id)
        assert first["status"] == "active" and first["episode"] == 1
        discharged = await client.post(
            f"/cases/{first['case_id']}/reviews",
            headers=worker,
            json={"outcome": "discharge", "discharge_reason": "patient-choice"},
        )
        assert discharged.status_code == 201, discharged.text

        # weeks later the patient deteriorates: the MDT reverses its decision and includes again
        again = referral.model_copy(update={"decided_at": referral.decided_at + timedelta(days=40)})
        await publish(infra, reversed_inclusion(referral, new="include"), key=key)
        await publish(infra, again, key=key)
        newest, oldest = await _cases_of(
            client, worker, referral.referral_id, count=2, what="second episode"
        )
        assert newest["case_id"] != first["case_id"]
        assert newest["status"] == "active" and newest["case_manager_id"] in (
            "it-n-nurse",
            "it-n-matron",
        )
        assert newest["episode"] == 2 and newest["follows_case_id"] == first["case_id"]
        assert oldest["case_id"] == first["case_id"] and oldest["status"] == "discharged"
        detail = (await client.get(f"/cases/{newest['case_id']}", headers=worker)).json()
        assert f"after case {first['case_id']} (discharged" in detail["history"][0]["detail"]
        caseload_now = (
            await client.get(f"/caseloads/{newest['case_manager_id']}", headers=worker)
        ).json()
        assert newest["case_id"] in [c["case_id"] for c in caseload_now["cases"]]
        assigned = await eventually(
            lambda: bus.topic_payloads(
                infra,
                bus.CASELOAD_TOPIC,
                lambda e: (
                    e["type"] == "cch.caseload.assigned.v1"
                    and e["data"]["case_id"] == newest["case_id"]
                ),
            ),
            what="caseload.assigned for the new episode",
        )
        assert assigned[0]["data"]["referral_id"] == referral.referral_id

        # both decisions again under new event ids (an upstream replay): nothing new opens
        await publish(infra, again, key=key)
        await publish(infra, referral, key=key)
        await _applied_after(client, infra, bus, worker, key)
        items = await _cases_of(client, worker, referral.referral_id, count=2, what="cases")
        assert [c["case_id"] for c in items] == [newest["case_id"], first["case_id"]]

        # later changes to the referral reach the current episode, not the closed one
        await publish(infra, status_changed(referral, "entered-in-error"), key=key)

        async def cases_now():
            r = await client.get(
                "/cases", params={"referral_id": referral.referral_id}, headers=worker
            )
            return r.json()["items"]

        withdrawn = await eventually(
            cases_now, until=lambda items: items[0]["status"] == "withdrawn", what="withdrawn"
        )
        assert [c["status"] for c in withdrawn] == ["withdrawn", "discharged"]

        # with every episode closed, a replay of a decision they answered still opens nothing
        await publish(infra, again, key=key)
        await _applied_after(client, infra, bus, worker, key)
        assert len(await cases_now()) == 2


async def test_a_waiting_place_withdrawn_then_included_again_starts_a_new_episode(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        # nobody in the south fits a therapy need: the patient waits
        referral = bus.accepted(locality="south", need="therapy")
        key = referral.patient_key
        await publish(infra, referral, key=key)
        first = await bus.case_for(client, worker, referral.referral_id)
        assert first["status"] == "waiting"
        await publish(infra, reversed_inclusion(referral), key=key)

        async def first_now():
            return (await client.get(f"/cases/{first['case_id']}", headers=worker)).json()

        await eventually(first_now, until=lambda c: c["status"] == "withdrawn", what="withdrawn")
        # the MDT includes the patient again, now as moderate need: the integrated care team
        moderate = referral.model_copy(
            update={
                "need_level": NeedLevel.MODERATE,
                "decided_at": referral.decided_at + timedelta(days=1),
            }
        )
        await publish(infra, moderate, key=key)
        newest, oldest = await _cases_of(
            client, worker, referral.referral_id, count=2, what="second episode"
        )
        assert newest["episode"] == 2 and newest["follows_case_id"] == first["case_id"]
        assert newest["status"] == "active" and newest["owner"] == "team:ict-south"
        assert oldest["status"] == "withdrawn"
        waiting = (await client.get("/waiting-list", headers=worker)).json()
        assert first["case_id"] not in [w["case_id"] for w in waiting["items"]]


async def _discharge(client, worker, case_id: str) -> None:
    r = await client.post(
        f"/cases/{case_id}/reviews",
        headers=worker,
        json={"outcome": "discharge", "discharge_reason": "patient-choice"},
    )
    assert r.status_code == 201, r.text


async def test_a_re_inclusion_backdated_before_the_first_opens_a_new_episode_by_its_version(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north").model_copy(update={"decision_version": 1})
        key = referral.patient_key
        await publish(infra, referral, key=key)
        first = await bus.case_for(client, worker, referral.referral_id)
        await _discharge(client, worker, first["case_id"])

        # the MDT reverses (v2) and includes again (v3), dating it to a meeting before the first
        backdated = referral.model_copy(
            update={"decided_at": referral.decided_at - timedelta(days=2), "decision_version": 3}
        )
        await publish(infra, reversed_inclusion(referral, new="include", version=1), key=key)
        await publish(infra, backdated, key=key)
        newest, oldest = await _cases_of(
            client, worker, referral.referral_id, count=2, what="second episode"
        )
        assert newest["episode"] == 2 and newest["follows_case_id"] == first["case_id"]
        assert newest["status"] == "active" and oldest["status"] == "discharged"

        # the same decisions again under new event ids, even dated later: nothing new opens
        await _discharge(client, worker, newest["case_id"])
        later = timedelta(days=30)
        await publish(
            infra, backdated.model_copy(update={"decided_at": referral.decided_at + later}), key=key
        )
        await publish(infra, referral, key=key)
        await _applied_after(client, infra, bus, worker, key)
        items = await _cases_of(client, worker, referral.referral_id, count=2, what="cases")
        assert [c["case_id"] for c in items] == [newest["case_id"], first["case_id"]]


async def test_a_re_inclusion_dated_before_the_withdrawal_keeps_the_flagged_case(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north").model_copy(update={"decision_version": 1})
        key = referral.patient_key
        await publish(infra, referral, key=key)
        case = await bus.case_for(client, worker, referral.referral_id)
        reversal = reversed_inclusion(referral, version=1)
        await publish(infra, reversal, key=key)

        async def case_now():
            return (await client.get(f"/cases/{case['case_id']}", headers=worker)).json()

        await eventually(case_now, until=lambda c: c["attention"], what="closure flag")
        # included again (v3) as of a meeting the day before the first inclusion was recorded
        backdated = referral.model_copy(
            update={"decided_at": referral.decided_at - timedelta(days=1), "decision_version": 3}
        )
        await publish(infra, backdated, key=key)
        kept = await eventually(
            case_now, until=lambda c: c["attention"] is None, what="flag cleared"
        )
        assert kept["status"] == "active" and kept["case_manager_id"] == case["case_manager_id"]
        assert "re-included" in [h["action"] for h in kept["history"]]

        # the withdrawal of v1 sent again under a new event id no longer applies
        await publish(infra, reversal, key=key)
        await _applied_after(client, infra, bus, worker, key)
        after = await case_now()
        assert after["attention"] is None and after["status"] == "active"
        items = await _cases_of(client, worker, referral.referral_id, count=1, what="cases")
        assert [c["case_id"] for c in items] == [case["case_id"]]
