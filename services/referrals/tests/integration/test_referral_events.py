"""Reversed decisions and status changes are announced with the decision they undo."""

import pytest
from referrals_testkit import nhs_number, outbox_events, practice_code, service_request

from cch_contracts import patient_key

pytestmark = pytest.mark.integration
INCLUDE = {
    "decision": "include",
    "need_level": "severe",
    "eligibility_criteria": ["consent", "risk-tier-high"],
}
EXCLUDE = {"decision": "exclude", "reason": "low-need", "reason_text": "well supported at home"}


async def _refer(client, ehr, nhs: str) -> dict:
    body = service_request(nhs, practice=practice_code(), locality="north")
    r = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert r.status_code == 201, r.text
    return r.json()


def _of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == f"cch.referral.{kind}.v1"]


async def test_exclusion_reversed_to_inclusion_tells_caseload_to_act(infra, referrals, ehr, mdt):
    nhs = nhs_number()
    rid = (await _refer(referrals, ehr, nhs))["id"]
    excluded = await referrals.post(f"/referrals/{rid}/decisions", json=EXCLUDE, headers=mdt)
    assert excluded.status_code == 201, excluded.text
    r = await referrals.post(
        f"/referrals/{rid}/decisions/1/reverse",
        json={"reason": "Fell twice since the MDT met", "then": INCLUDE},
        headers=mdt,
    )
    assert r.status_code == 201, r.text
    assert r.json()["referral"]["status"] == "completed"
    assert [d["kind"] for d in r.json()["referral"]["decisions"]] == [
        "exclude",
        "reversal",
        "include",
    ]

    events = await outbox_events(infra, rid)
    [reversed_] = _of(events, "decision-reversed")
    assert reversed_["key"] == patient_key(nhs)
    assert reversed_["payload"] | {"reversed_at": None} == {
        "referral_id": rid,
        "patient_key": patient_key(nhs),
        "nhs_number": nhs,
        "reversed_version": 1,
        "previous_decision": "exclude",
        "new_decision": "include",
        "reason": "Fell twice since the MDT met",
        "reversed_by": "Practitioner/cm-1",
        "reversed_at": None,
    }
    [accepted] = _of(events, "accepted")
    assert accepted["payload"]["need_level"] == "severe"
    types = [e["type"] for e in events]
    assert types.index("cch.referral.decision-reversed.v1") < types.index(
        "cch.referral.accepted.v1"
    )


async def test_inclusion_reversed_alone_reopens_the_referral(infra, referrals, ehr, mdt):
    rid = (await _refer(referrals, ehr, nhs_number()))["id"]
    await referrals.post(f"/referrals/{rid}/decisions", json=INCLUDE, headers=mdt)
    r = await referrals.post(
        f"/referrals/{rid}/decisions/1/reverse",
        json={"reason": "Wrong patient list discussed"},
        headers=mdt,
    )
    assert r.status_code == 201, r.text
    assert r.json()["referral"]["status"] == "active"
    [reversed_] = _of(await outbox_events(infra, rid), "decision-reversed")
    assert reversed_["payload"]["previous_decision"] == "include"
    assert reversed_["payload"]["new_decision"] is None


async def test_failed_replacement_leaves_the_decision_standing(infra, referrals, ehr, mdt):
    rid = (await _refer(referrals, ehr, nhs_number()))["id"]
    await referrals.post(f"/referrals/{rid}/decisions", json=EXCLUDE, headers=mdt)
    bad = {**INCLUDE, "eligibility_criteria": ["vibes"]}
    r = await referrals.post(
        f"/referrals/{rid}/decisions/1/reverse",
        json={"reason": "new information", "then": bad},
        headers=mdt,
    )
    assert r.status_code == 422
    after = (await referrals.get(f"/referrals/{rid}", headers=mdt)).json()
    assert after["status"] == "revoked" and len(after["decisions"]) == 1
    assert _of(await outbox_events(infra, rid), "decision-reversed") == []


async def test_status_changes_say_who_from_what_and_the_standing_decision(
    infra, referrals, ehr, mdt
):
    withdrawn = await _refer(referrals, ehr, nhs_number())
    r = await referrals.put(
        f"/fhir/ServiceRequest/{withdrawn['id']}",
        json={**withdrawn, "status": "revoked", "note": [{"text": "Patient moved to Wales"}]},
        headers=ehr,
    )
    assert r.status_code == 200, r.text
    [changed] = _of(await outbox_events(infra, withdrawn["id"]), "status-changed")
    assert changed["payload"]["previous_status"] == "active"
    assert changed["payload"]["status"] == "revoked"
    assert changed["payload"]["reason"] == "Patient moved to Wales"
    assert changed["payload"]["changed_by"].startswith("test-ehr-system")
    assert changed["payload"]["standing_decision"] is None

    included = await _refer(referrals, ehr, nhs_number())
    await referrals.post(f"/referrals/{included['id']}/decisions", json=INCLUDE, headers=mdt)
    current = (await referrals.get(f"/fhir/ServiceRequest/{included['id']}", headers=ehr)).json()
    r = await referrals.put(
        f"/fhir/ServiceRequest/{included['id']}",
        json={**current, "status": "entered-in-error"},
        headers=ehr,
    )
    assert r.status_code == 200, r.text
    [error] = _of(await outbox_events(infra, included["id"]), "status-changed")
    assert error["payload"]["previous_status"] == "completed"
    assert error["payload"]["status"] == "entered-in-error"
    assert error["payload"]["standing_decision"] == "include"
