"""A referral changing under its case: a withdrawn or revoked inclusion is flagged for closure with
a handover (never dropped), entered in error withdraws the case and frees capacity, a hold shows,
and a corrected inclusion moves the case to the owner its need level calls for."""

from datetime import UTC, datetime, timedelta

import pytest

from cch_contracts.events.referrals import (
    ReferralAccepted,
    ReferralDecisionReversed,
    ReferralStatusChanged,
)
from cch_contracts.vocabulary import NeedLevel
from cch_devstack.testing import eventually, publish

pytestmark = pytest.mark.integration


def reversed_inclusion(referral: ReferralAccepted, *, new: str | None = None, version: int = 2):
    return ReferralDecisionReversed(
        referral_id=referral.referral_id,
        patient_key=referral.patient_key,
        reversed_version=version,
        previous_decision="include",
        new_decision=new,
        reason="eligibility misread: patient already under the heart failure team",
        reversed_by="Dr MDT Chair",
        reversed_at=datetime.now(UTC),
    )


def status_changed(referral: ReferralAccepted, status: str, *, previous: str = "completed"):
    return ReferralStatusChanged(
        referral_id=referral.referral_id,
        patient_key=referral.patient_key,
        previous_status=previous,
        status=status,
        standing_decision="include",
        reason=f"{status}: recorded by the referrals team",
        changed_by="Referrals Clerk",
        changed_at=datetime.now(UTC),
    )


def corrected(referral: ReferralAccepted, need_level: NeedLevel) -> ReferralAccepted:
    """The MDT's later decision for the same referral at another need level."""
    later = referral.decided_at + timedelta(hours=1)
    return referral.model_copy(update={"need_level": need_level, "decided_at": later})


async def _case(client, worker, case_id: str, until=lambda c: True, what="case"):
    async def probe():
        return (await client.get(f"/cases/{case_id}", headers=worker)).json()

    return await eventually(probe, until=until, what=what)


async def _active_case(client, infra, bus, worker, referral) -> dict:
    await publish(infra, referral, key=referral.patient_key)
    return await bus.case_for(client, worker, referral.referral_id)


async def test_a_withdrawn_inclusion_flags_the_case_for_closure_with_a_handover(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north")
        case = await _active_case(client, infra, bus, worker, referral)
        manager = case["case_manager_id"]
        assert case["status"] == "active" and manager
        reversal = reversed_inclusion(referral)
        await publish(infra, reversal, key=referral.patient_key)
        await publish(infra, reversal, key=referral.patient_key)  # upstream sends it again
        flagged = await _case(
            client, worker, case["case_id"], lambda c: c["attention"], "closure flag"
        )
        assert flagged["status"] == "active"  # still held: visits may have happened
        assert flagged["case_manager_id"] == manager
        assert flagged["attention"]["action"] == "close-with-handover"
        assert flagged["attention"]["raised_by"] == "Dr MDT Chair"
        assert "heart failure team" in flagged["attention"]["reason"]
        marker = bus.accepted(locality="central")
        await publish(infra, marker, key=referral.patient_key)
        await bus.case_for(client, worker, marker.referral_id)  # applied after the repeat
        again = await _case(client, worker, case["case_id"])
        assert [h["action"] for h in again["history"]].count("flagged:close-with-handover") == 1

        worklist = (
            await client.get("/worklists/attention", params={"locality": "north"}, headers=worker)
        ).json()
        assert case["case_id"] in [c["case_id"] for c in worklist["items"]]

        before = (await client.get(f"/caseloads/{manager}", headers=worker)).json()
        blank = await client.post(
            f"/cases/{case['case_id']}/withdraw", headers=worker, json={"handover": "  "}
        )
        assert blank.status_code == 422
        closed = await client.post(
            f"/cases/{case['case_id']}/withdraw",
            headers=worker,
            json={"handover": "care stays with GP practice; heart failure nurse informed"},
        )
        assert closed.status_code == 200, closed.text
        body = closed.json()
        assert body["status"] == "withdrawn" and body["discharge_reason"] is None
        assert "heart failure nurse informed" in body["history"][-1]["detail"]
        after = (await client.get(f"/caseloads/{manager}", headers=worker)).json()
        released = before["case_manager"]["load_points"] - after["case_manager"]["load_points"]
        assert released == case["weight"]
        worklist = (
            await client.get("/worklists/attention", params={"locality": "north"}, headers=worker)
        ).json()
        assert case["case_id"] not in [c["case_id"] for c in worklist["items"]]
        twice = await client.post(
            f"/cases/{case['case_id']}/withdraw", headers=worker, json={"handover": "again"}
        )
        assert twice.status_code == 409


async def test_an_unflagged_case_cannot_be_withdrawn_by_hand(infra, caseload, lead, worker, bus):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        case = await _active_case(client, infra, bus, worker, bus.accepted(locality="north"))
        r = await client.post(
            f"/cases/{case['case_id']}/withdraw", headers=worker, json={"handover": "GP"}
        )
        assert r.status_code == 409 and r.json()["type"].endswith("not-flagged-for-closure")
        assert (await _case(client, worker, case["case_id"]))["status"] == "active"


async def test_a_withdrawn_inclusion_takes_the_waiting_list_place_away(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        # nobody in the south fits a therapy need: the patient waits
        referral = bus.accepted(locality="south", need="therapy")
        case = await _active_case(client, infra, bus, worker, referral)
        assert case["status"] == "waiting"
        await publish(infra, reversed_inclusion(referral, new="exclude"), key=referral.patient_key)
        gone = await _case(
            client, worker, case["case_id"], lambda c: c["status"] != "waiting", "withdrawn"
        )
        assert gone["status"] == "withdrawn" and gone["attention"] is None
        assert "replaced by exclude" in gone["history"][-1]["detail"]
        waiting = (await client.get("/waiting-list", headers=worker)).json()
        assert case["case_id"] not in [w["case_id"] for w in waiting["items"]]


async def test_a_revoked_referral_flags_its_case_and_a_hold_shows_on_it(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        held = bus.accepted(locality="north")
        revoked = bus.accepted(locality="north")
        held_case = await _active_case(client, infra, bus, worker, held)
        revoked_case = await _active_case(client, infra, bus, worker, revoked)
        await publish(infra, status_changed(held, "on-hold"), key=held.patient_key)
        await publish(infra, status_changed(revoked, "revoked"), key=revoked.patient_key)
        on_hold = await _case(
            client, worker, held_case["case_id"], lambda c: c["referral_status"], "hold"
        )
        assert on_hold["referral_status"] == "on-hold" and on_hold["status"] == "active"
        assert on_hold["history"][-1]["by"] == "Referrals Clerk"
        resumed = status_changed(held, "active", previous="on-hold")
        await publish(infra, resumed, key=held.patient_key)
        await _case(
            client, worker, held_case["case_id"], lambda c: c["referral_status"] == "active"
        )
        flagged = await _case(
            client, worker, revoked_case["case_id"], lambda c: c["attention"], "revoke flag"
        )
        assert flagged["attention"]["action"] == "close-with-handover"
        assert flagged["attention"]["reason"].startswith("referral revoked")
        assert flagged["status"] == "active"


async def test_a_referral_entered_in_error_withdraws_its_case_and_frees_the_capacity(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north")
        case = await _active_case(client, infra, bus, worker, referral)
        manager = case["case_manager_id"]
        before = (await client.get(f"/caseloads/{manager}", headers=worker)).json()
        report_before = (await client.get("/reports/caseloads", headers=lead)).json()
        await publish(infra, status_changed(referral, "entered-in-error"), key=referral.patient_key)
        gone = await _case(
            client, worker, case["case_id"], lambda c: c["status"] == "withdrawn", "withdrawn"
        )
        assert gone["discharge_reason"] is None and gone["next_review_on"] is None
        assert "entered in error" in gone["history"][-1]["detail"]
        after = (await client.get(f"/caseloads/{manager}", headers=worker)).json()
        assert case["case_id"] not in [c["case_id"] for c in after["cases"]]
        released = before["case_manager"]["load_points"] - after["case_manager"]["load_points"]
        assert released == case["weight"]
        report = (await client.get("/reports/caseloads", headers=lead)).json()
        assert report["withdrawn"]["total"] == report_before["withdrawn"]["total"] + 1
        assert report["withdrawn"]["by_locality"]["north"] >= 1
        discharged = await bus.topic_payloads(
            infra,
            bus.CASELOAD_TOPIC,
            lambda e: (
                e["type"] == "cch.caseload.discharged.v1"
                and e["data"]["case_id"] == case["case_id"]
            ),
        )
        assert discharged == []  # not a discharge
        withdrawn = await eventually(
            lambda: bus.topic_payloads(
                infra,
                bus.CASELOAD_TOPIC,
                lambda e: (
                    e["type"] == "cch.caseload.withdrawn.v1"
                    and e["data"]["case_id"] == case["case_id"]
                ),
            ),
            until=lambda found: len(found) == 1,
            what="caseload.withdrawn published once",
        )
        assert withdrawn[0]["data"]["released_case_manager_id"] == manager
        assert withdrawn[0]["data"]["was_waiting"] is False


async def test_a_corrected_need_level_moves_the_case_to_its_owner(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        first = bus.accepted(need_level="moderate", locality="north")
        case = await _active_case(client, infra, bus, worker, first)
        assert case["owner"] == "team:ict-north"
        severe = corrected(first, NeedLevel.SEVERE)
        await publish(infra, severe, key=first.patient_key)
        await publish(infra, severe, key=first.patient_key)  # the correction redelivered
        moved = await _case(
            client,
            worker,
            case["case_id"],
            lambda c: c["assignment_kind"] == "case-manager",
            "named case manager",
        )
        assert moved["need_level"] == "severe" and moved["status"] == "active"
        assert moved["case_manager_id"] in ("it-n-nurse", "it-n-matron")
        transferred = await eventually(
            lambda: bus.topic_payloads(
                infra,
                bus.CASELOAD_TOPIC,
                lambda e: (
                    e["type"] == "cch.caseload.transferred.v1"
                    and e["data"]["case_id"] == case["case_id"]
                ),
            ),
            what="caseload.transferred",
        )
        data = transferred[0]["data"]
        assert data["from_owner"] == "team:ict-north"
        assert data["to_owner"] == f"case-manager:{moved['case_manager_id']}"
        assert "need level corrected to severe" in data["reason"]

        # the original acceptance replayed (older decision) and the same need again: no change
        await publish(infra, first, key=first.patient_key)
        mild = corrected(severe, NeedLevel.MILD)
        await publish(infra, mild, key=first.patient_key)
        selfcare = await _case(
            client,
            worker,
            case["case_id"],
            lambda c: c["assignment_kind"] == "self-care",
            "self-care",
        )
        actions = [h["action"] for h in selfcare["history"]]
        assert actions.count("need-corrected") == 2 and actions.count("transferred") == 2
        assert selfcare["need_level"] == "mild"
        held = (await client.get(f"/caseloads/{moved['case_manager_id']}", headers=worker)).json()
        assert case["case_id"] not in [c["case_id"] for c in held["cases"]]
