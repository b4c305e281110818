"""Search with _include=ServiceRequest:patient: the page's referrals and one Patient per person."""

import uuid

import pytest
from referrals_testkit import NHS, nhs_number, service_request

from cch_contracts import patient_key
from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration
PATIENT_KEY = "https://cch.example.nhs.uk/Id/patient-key"


async def test_include_returns_each_referred_patient_once(referrals, ehr, token_for):
    requester = f"Practitioner/inc-{uuid.uuid4().hex[:12]}"
    twice, once = nhs_number(), nhs_number()
    first = await referrals.post(
        "/fhir/ServiceRequest", json=service_request(twice, requester=requester), headers=ehr
    )
    withdrawn = {**first.json(), "status": "revoked"}
    r = await referrals.put(f"/fhir/ServiceRequest/{withdrawn['id']}", json=withdrawn, headers=ehr)
    assert r.status_code == 200, r.text
    for nhs in (twice, once):  # `twice` is referred again after the first was withdrawn
        created = await referrals.post(
            "/fhir/ServiceRequest", json=service_request(nhs, requester=requester), headers=ehr
        )
        assert created.status_code == 201, created.text

    gateway = {"x-forwarded-host": "gw.example.nhs.uk", "x-forwarded-proto": "https"}
    r = await referrals.get(
        "/fhir/ServiceRequest",
        params={"requester": requester, "_include": "ServiceRequest:patient"},
        headers={**ehr, **gateway},
    )
    assert r.status_code == 200, r.text
    bundle = r.json()
    assert schema_errors(bundle) == []
    matches = [e for e in bundle["entry"] if e["search"]["mode"] == "match"]
    included = [e for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert bundle["total"] == 3 and len(matches) == 3
    assert sorted(e["resource"]["id"] for e in included) == sorted(
        [patient_key(twice), patient_key(once)]
    )
    for entry in included:
        patient = entry["resource"]
        assert patient["resourceType"] == "Patient"
        assert entry["fullUrl"] == f"https://gw.example.nhs.uk/fhir/Patient/{patient['id']}"
        nhs = next(i["value"] for i in patient["identifier"] if i["system"] == NHS)
        assert patient_key(nhs) == patient["id"]
        assert {"system": PATIENT_KEY, "value": patient["id"]} in patient["identifier"]
    subjects = {e["resource"]["subject"]["identifier"]["value"] for e in matches}
    assert subjects == {twice, once}

    plain = await referrals.get(
        "/fhir/ServiceRequest", params={"requester": requester}, headers=ehr
    )
    assert all(e["search"]["mode"] == "match" for e in plain.json()["entry"])
    page = await referrals.get(
        "/fhir/ServiceRequest",
        params={"requester": requester, "_include": "ServiceRequest:patient", "_count": "1"},
        headers=ehr,
    )
    assert [e["search"]["mode"] for e in page.json()["entry"]] == ["match", "include"]
    nxt = next(link["url"] for link in page.json()["link"] if link["relation"] == "next")
    assert "_include=ServiceRequest" in nxt


async def test_self_referral_details_come_with_the_included_patient(referrals, ehr, token_for):
    web = {"authorization": f"Bearer {token_for('ehr-system', subject='web-form')}"}
    form = {
        "given_name": "Grace",
        "family_name": "Hopper",
        "birth_date": "1936-12-09",
        "postcode": "sy3 8xl",
        "reason": "Short of breath climbing stairs",
        "consent": True,
        "phone": "07700 900456",
        "submission_id": uuid.uuid4().hex,
    }
    made = await referrals.post("/self-referrals", json=form, headers=web)
    assert made.status_code == 201, made.text
    rid = made.json()["referral_id"]
    r = await referrals.get(
        "/fhir/ServiceRequest",
        params={"_id": rid, "_include": "ServiceRequest:patient"},
        headers=ehr,
    )
    [patient] = [e["resource"] for e in r.json()["entry"] if e["search"]["mode"] == "include"]
    assert patient["name"] == [{"family": "Hopper", "given": ["Grace"]}]
    assert patient["birthDate"] == "1936-12-09"
    assert patient["address"][0]["postalCode"] == "SY3 8XL"
    assert schema_errors(r.json()) == []


async def test_an_include_this_server_cannot_serve_is_refused(referrals, ehr):
    r = await referrals.get(
        "/fhir/ServiceRequest", params={"_include": "ServiceRequest:requester"}, headers=ehr
    )
    assert r.status_code == 400
    assert r.json()["resourceType"] == "OperationOutcome"
    assert "ServiceRequest:patient" in r.json()["issue"][0]["diagnostics"]
