"""When the referrer wants the patient seen (occurrence[x]): stored, searchable, corrected by PUT;
a self-referral without an NHS number is corrected by its id like any other."""

import uuid

import pytest
from referrals_testkit import NHS, audit_rows, nhs_number, outbox_events, service_request

pytestmark = pytest.mark.integration


async def _create(client, ehr, body) -> dict:
    r = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert r.status_code == 201, r.text
    return r.json()


async def _put(client, ehr, resource: dict, version: int):
    return await client.put(
        f"/fhir/ServiceRequest/{resource['id']}",
        json=resource,
        headers={**ehr, "If-Match": f'W/"{version}"'},
    )


async def _ids(client, ehr, nhs: str, occurrence: str) -> list[str]:
    r = await client.get(
        "/fhir/ServiceRequest", params={"patient": nhs, "occurrence": occurrence}, headers=ehr
    )
    assert r.status_code == 200, r.text
    return [e["resource"]["id"] for e in r.json().get("entry", [])]


async def test_window_to_see_the_patient_is_kept_found_by_date_and_corrected(referrals, ehr):
    nhs = nhs_number()
    window = {"start": "2027-03-01", "end": "2027-03-14"}
    created = await _create(referrals, ehr, {**service_request(nhs), "occurrencePeriod": window})
    assert created["occurrencePeriod"] == window
    read = await referrals.get(f"/fhir/ServiceRequest/{created['id']}", headers=ehr)
    assert read.json()["occurrencePeriod"] == window

    assert await _ids(referrals, ehr, nhs, "ge2027-03-10") == [created["id"]]
    assert await _ids(referrals, ehr, nhs, "eq2027-03") == [created["id"]]
    assert await _ids(referrals, ehr, nhs, "gt2027-03-14") == []
    assert await _ids(referrals, ehr, nhs, "lt2027-03-01") == []
    assert await _ids(referrals, ehr, nhs, "sa2027-02-28") == [created["id"]]

    moved = {k: v for k, v in created.items() if k != "occurrencePeriod"}
    moved["occurrenceDateTime"] = "2027-04-02T09:30:00+01:00"
    r = await _put(referrals, ehr, moved, 1)
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["versionId"] == "2"
    assert r.json()["occurrenceDateTime"] == "2027-04-02T09:30:00+01:00"
    assert "occurrencePeriod" not in r.json()
    assert await _ids(referrals, ehr, nhs, "eq2027-04-02") == [created["id"]]
    assert await _ids(referrals, ehr, nhs, "ge2027-03-10") == [created["id"]]
    assert await _ids(referrals, ehr, nhs, "le2027-03-31") == []

    cleared = {k: v for k, v in r.json().items() if k != "occurrenceDateTime"}
    r = await _put(referrals, ehr, cleared, 2)
    assert r.status_code == 200 and "occurrenceDateTime" not in r.json()
    assert await _ids(referrals, ehr, nhs, "ge2000-01-01") == []
    v2 = await referrals.get(f"/fhir/ServiceRequest/{created['id']}/_history/2", headers=ehr)
    assert v2.json()["occurrenceDateTime"] == "2027-04-02T09:30:00+01:00"


async def test_open_ended_window_matches_every_later_date(referrals, ehr):
    nhs = nhs_number()
    body = {**service_request(nhs), "occurrencePeriod": {"start": "2027-05-01T00:00:00Z"}}
    created = await _create(referrals, ehr, body)
    assert await _ids(referrals, ehr, nhs, "ge2030-01-01") == [created["id"]]
    assert await _ids(referrals, ehr, nhs, "lt2027-05-01") == []


@pytest.mark.parametrize(
    ("occurrence", "status", "expression"),
    [
        (
            {"occurrencePeriod": {"start": "2027-03-14", "end": "2027-03-01"}},
            422,
            "occurrencePeriod",
        ),
        ({"occurrenceDateTime": "2027-03"}, 422, "occurrenceDateTime"),
        ({"occurrenceDateTime": "2027-03-14T09:00:00"}, 400, "occurrenceDateTime"),
        ({"occurrenceTiming": {"event": ["2027-03-14"]}}, 422, "occurrenceTiming"),
    ],
)
async def test_unusable_time_to_see_the_patient_is_refused_and_nothing_stored(
    referrals, ehr, occurrence, status, expression
):
    nhs = nhs_number()
    r = await referrals.post(
        "/fhir/ServiceRequest", json={**service_request(nhs), **occurrence}, headers=ehr
    )
    assert r.status_code == status, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(
        f"ServiceRequest.{expression}" in e for i in outcome["issue"] for e in i["expression"]
    )
    found = await referrals.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    assert found.json().get("entry", []) == []


async def test_stale_or_bad_correction_of_the_window_changes_nothing(referrals, ehr):
    created = await _create(
        referrals, ehr, {**service_request(nhs_number()), "occurrenceDateTime": "2027-06-01"}
    )
    bad = {**created, "occurrenceDateTime": "next tuesday"}
    assert (await _put(referrals, ehr, bad, 1)).status_code == 400
    ends_first = {k: v for k, v in created.items() if k != "occurrenceDateTime"}
    ends_first["occurrencePeriod"] = {"start": "2027-06-02", "end": "2027-06-01"}
    assert (await _put(referrals, ehr, ends_first, 1)).status_code == 422
    stale = {**created, "occurrenceDateTime": "2027-06-02"}
    assert (await _put(referrals, ehr, stale, 7)).status_code == 412
    read = await referrals.get(f"/fhir/ServiceRequest/{created['id']}", headers=ehr)
    assert read.json() == created


async def test_self_referral_without_nhs_number_is_corrected_by_its_id(
    infra, referrals, ehr, token_for
):
    web = {"authorization": f"Bearer {token_for('ehr-system', subject='web-form')}"}
    form = {
        "given_name": "Mary",
        "family_name": "Seacole",
        "birth_date": "1941-11-23",
        "postcode": "SY1 1AA",
        "reason": "Struggling to manage at home since my fall",
        "consent": True,
        "phone": "07700 900456",
        "submission_id": f"form-{uuid.uuid4().hex}",
    }
    made = await referrals.post("/self-referrals", json=form, headers=web)
    assert made.status_code == 201, made.text
    rid = made.json()["referral_id"]
    stored = (await referrals.get(f"/fhir/ServiceRequest/{rid}", headers=ehr)).json()
    assert stored["subject"]["reference"] == "#patient"

    corrected = {
        **stored,
        "note": [{"text": "Struggling to manage at home since my fall; carer away in May"}],
        "occurrencePeriod": {"start": "2027-01-04", "end": "2027-01-15"},
    }
    r = await _put(referrals, ehr, corrected, 1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"]["versionId"] == "2"
    assert body["note"] == corrected["note"]
    assert body["occurrencePeriod"] == {"start": "2027-01-04", "end": "2027-01-15"}
    assert body["contained"] == stored["contained"] and body["subject"] == stored["subject"]
    assert "update" in await audit_rows(infra, rid)

    # the patient cannot change: naming someone by NHS number is refused
    other = {**body, "subject": {"identifier": {"system": NHS, "value": nhs_number()}}}
    refused = await _put(referrals, ehr, other, 2)
    assert refused.status_code == 422, refused.text
    assert refused.json()["resourceType"] == "OperationOutcome"
    now = (await referrals.get(f"/fhir/ServiceRequest/{rid}", headers=ehr)).json()
    assert now == body
    assert [e["type"] for e in await outbox_events(infra, rid)] == ["cch.referral.received.v1"]
