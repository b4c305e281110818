"""The issue's bad-input list: each case is a clear 4xx and nothing stored changes."""

import uuid

import pytest
from referrals_testkit import audit_rows, nhs_number, outbox_events, service_request

pytestmark = pytest.mark.integration


async def _count(client, ehr, nhs: str) -> int:
    r = await client.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    return int(r.json()["total"])


@pytest.mark.parametrize(
    ("missing", "status", "expression"),
    [
        ("intent", 400, "ServiceRequest.intent"),
        ("status", 400, "ServiceRequest.status"),
        ("subject", 400, "ServiceRequest.subject"),
        ("authoredOn", 422, "ServiceRequest.authoredOn"),
        ("requester", 422, "ServiceRequest.requester"),
        ("category", 422, "ServiceRequest.category"),
        ("identifier", 422, "ServiceRequest.identifier"),
    ],
)
async def test_a_referral_missing_a_required_element_is_refused(
    referrals, ehr, missing, status, expression
):
    nhs = nhs_number()
    body = service_request(nhs)
    del body[missing]
    r = await referrals.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert r.status_code == status, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(expression in " ".join(i.get("expression", [])) for i in outcome["issue"]), outcome
    assert await _count(referrals, ehr, nhs) == 0


async def test_an_invalid_nhs_number_is_named_in_the_outcome(referrals, ehr):
    nhs = nhs_number()
    wrong = nhs[:-1] + str((int(nhs[-1]) + 1) % 10)  # a typo breaks the Modulus 11 check
    r = await referrals.post("/fhir/ServiceRequest", json=service_request(wrong), headers=ehr)
    assert r.status_code == 422, r.text
    [issue] = [i for i in r.json()["issue"] if i["severity"] == "error"]
    assert issue["expression"] == ["ServiceRequest.subject.identifier.value"]
    assert "Modulus 11" in issue["diagnostics"]
    assert await _count(referrals, ehr, wrong) == 0


async def test_an_update_with_the_wrong_type_bad_json_or_too_big_changes_nothing(
    infra, referrals, ehr
):
    created = (
        await referrals.post(
            "/fhir/ServiceRequest", json=service_request(nhs_number()), headers=ehr
        )
    ).json()
    url = f"/fhir/ServiceRequest/{created['id']}"
    fhir_json = {**ehr, "content-type": "application/fhir+json"}
    wrong_type = await referrals.put(url, json={**created, "resourceType": "Patient"}, headers=ehr)
    bad_json = await referrals.put(url, content=b'{"resourceType": "Serv', headers=fhir_json)
    too_big = await referrals.put(url, content=b"{" + b" " * 2_000_000 + b"}", headers=fhir_json)
    unknown_code = await referrals.put(url, json={**created, "status": "paused"}, headers=ehr)
    for r, status in ((wrong_type, 400), (bad_json, 400), (too_big, 413), (unknown_code, 422)):
        assert r.status_code == status, r.text
        assert r.json()["resourceType"] == "OperationOutcome"
    assert (await referrals.get(url, headers=ehr)).json() == created
    assert [e["type"] for e in await outbox_events(infra, created["id"])] == [
        "cch.referral.received.v1"
    ]
    assert "update" not in await audit_rows(infra, created["id"])


async def test_no_decision_on_a_referral_entered_in_error(referrals, ehr, mdt):
    created = (
        await referrals.post(
            "/fhir/ServiceRequest", json=service_request(nhs_number()), headers=ehr
        )
    ).json()
    error = {**created, "status": "entered-in-error", "note": [{"text": "wrong patient"}]}
    marked = await referrals.put(f"/fhir/ServiceRequest/{created['id']}", json=error, headers=ehr)
    assert marked.status_code == 200, marked.text
    r = await referrals.post(
        f"/referrals/{created['id']}/decisions",
        json={"decision": "exclude", "reason": "declined"},
        headers=mdt,
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/referral-closed")
    after = (await referrals.get(f"/referrals/{created['id']}", headers=mdt)).json()
    assert after["status"] == "entered-in-error" and after["decisions"] == []


async def test_self_referral_bad_json_and_oversized_forms_are_problems(referrals, token_for):
    web = {"authorization": f"Bearer {token_for('ehr-system')}", "content-type": "application/json"}
    bad = await referrals.post("/self-referrals", content=b'{"given_name": ', headers=web)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    huge = {"given_name": "A", "reason": "x" * 200_000, "submission_id": uuid.uuid4().hex}
    r = await referrals.post("/self-referrals", json=huge, headers=web)
    assert r.status_code in (413, 422)
    assert r.headers["content-type"].startswith("application/problem+json")
