"""An EHR corrects a referral with PUT + If-Match: what may change, what not; one version each."""

from datetime import UTC, datetime, timedelta

import pytest
from referrals_testkit import EXT, ICD10, NHS, ROUTE, nhs_number, outbox_events, service_request

pytestmark = pytest.mark.integration
CRISIS = f"{EXT}/crisis"


async def _create(client, ehr, **kwargs) -> dict:
    r = await client.post(
        "/fhir/ServiceRequest", json=service_request(nhs_number(), **kwargs), headers=ehr
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _put(client, ehr, resource: dict, version: int):
    return await client.put(
        f"/fhir/ServiceRequest/{resource['id']}",
        json=resource,
        headers={**ehr, "If-Match": f'W/"{version}"'},
    )


def _crisis(postcode: str, reason: str) -> dict:
    return {
        "url": CRISIS,
        "extension": [
            {"url": "postcode", "valueString": postcode},
            {"url": "reason", "valueString": reason},
        ],
    }


async def test_ehr_corrects_reasons_requester_and_note_in_one_new_version(infra, referrals, ehr):
    created = await _create(referrals, ehr)
    corrected = {
        **created,
        "reasonCode": [{"coding": [{"system": ICD10, "code": "R29.6"}]}],
        "requester": {"reference": "Organization/M85011"},
        "note": [{"text": "Lives alone; daughter visits weekly"}],
    }
    r = await _put(referrals, ehr, corrected, 1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"]["versionId"] == "2" and r.headers["etag"] == 'W/"2"'
    assert body["reasonCode"][0]["coding"][0] == {"system": ICD10, "code": "R29.6"}
    assert body["requester"] == {"reference": "Organization/M85011"}
    assert body["note"] == [{"text": "Lives alone; daughter visits weekly"}]
    assert body["status"] == "active"

    same = await _put(referrals, ehr, body, 2)  # a resend of what is stored changes nothing
    assert same.status_code == 200 and same.json()["meta"]["versionId"] == "2"
    v1 = await referrals.get(f"/fhir/ServiceRequest/{created['id']}/_history/1", headers=ehr)
    assert v1.json()["requester"] == created["requester"]
    types = [e["type"] for e in await outbox_events(infra, created["id"])]
    assert types == ["cch.referral.received.v1"]


async def test_routine_referral_upgraded_to_urgent_goes_to_dispatch_once(infra, referrals, ehr):
    created = await _create(referrals, ehr)
    urgent = {
        **created,
        "priority": "urgent",
        "extension": [*created["extension"], _crisis("SY1 1AB", "Found on the floor")],
    }
    r = await _put(referrals, ehr, urgent, 1)
    assert r.status_code == 200, r.text
    again = await _put(referrals, ehr, r.json(), 2)
    assert again.status_code == 200 and again.json()["meta"]["versionId"] == "2"
    events = await outbox_events(infra, created["id"])
    urgent_events = [e for e in events if e["type"] == "cch.referral.urgent.v1"]
    assert len(urgent_events) == 1
    assert urgent_events[0]["payload"]["location"]["postcode"] == "SY1 1AB"
    assert urgent_events[0]["payload"]["reason"] == "Found on the floor"

    downgrade = {**r.json(), "priority": "routine", "extension": created["extension"]}
    refused = await _put(referrals, ehr, downgrade, 2)
    assert refused.status_code == 422, refused.text
    where = [x for i in refused.json()["issue"] for x in i.get("expression", [])]
    assert "ServiceRequest.priority" in where


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        ({"subject": {"identifier": {"system": NHS, "value": nhs_number()}}}, "subject"),
        ({"authoredOn": (datetime.now(UTC) - timedelta(days=20)).isoformat()}, "authoredOn"),
        ({"category": [{"coding": [{"system": ROUTE, "code": "self"}]}]}, "category"),
    ],
)
async def test_what_makes_it_another_referral_cannot_change(referrals, ehr, change, expression):
    created = await _create(referrals, ehr)
    r = await _put(referrals, ehr, {**created, **change}, 1)
    assert r.status_code == 422, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    where = " ".join(x for i in outcome["issue"] for x in i.get("expression", []))
    assert expression in where, outcome
    current = await referrals.get(f"/fhir/ServiceRequest/{created['id']}", headers=ehr)
    assert current.json() == created


async def test_a_decided_referral_cannot_be_reopened_or_corrected_by_put(referrals, ehr, mdt):
    created = await _create(referrals, ehr, locality="central")
    decided = await referrals.post(
        f"/referrals/{created['id']}/decisions",
        json={
            "decision": "include",
            "need_level": "moderate",
            "eligibility_criteria": ["consent", "age-65-plus"],
        },
        headers=mdt,
    )
    assert decided.status_code == 201, decided.text
    completed = (await referrals.get(f"/fhir/ServiceRequest/{created['id']}", headers=ehr)).json()
    reopen = await _put(referrals, ehr, {**completed, "status": "active"}, 2)
    assert reopen.status_code == 409, reopen.text
    assert "reverses its decision" in reopen.json()["issue"][0]["diagnostics"]
    note = await _put(referrals, ehr, {**completed, "note": [{"text": "late info"}]}, 2)
    assert note.status_code == 409
    stale = await _put(referrals, ehr, {**completed, "status": "entered-in-error"}, 1)
    assert stale.status_code == 412
    after = await referrals.get(f"/fhir/ServiceRequest/{created['id']}", headers=ehr)
    assert after.json() == completed
