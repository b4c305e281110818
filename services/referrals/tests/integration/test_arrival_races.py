"""Arrivals that race each other: the one-statement create never duplicates or double-books an
identifier; the loser is linked, answered with the winner, or refused, and audited."""

import asyncio

import pytest
from referrals_testkit import audit_rows, nhs_number, outbox_events, service_request

pytestmark = pytest.mark.integration


async def test_a_resend_racing_its_original_makes_one_referral(infra, referrals, ehr):
    nhs = nhs_number()
    body = service_request(nhs, identifier=f"race-{nhs}")
    answers = await asyncio.gather(
        *(referrals.post("/fhir/ServiceRequest", json=body, headers=ehr) for _ in range(3))
    )
    assert sorted(r.status_code for r in answers) == [200, 200, 201], [r.text for r in answers]
    [rid] = {r.json()["id"] for r in answers}
    found = await referrals.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    [entry] = found.json()["entry"]
    assert entry["resource"]["meta"]["versionId"] == "1"
    assert [e["type"] for e in await outbox_events(infra, rid)] == ["cch.referral.received.v1"]
    assert sorted(await audit_rows(infra, rid)) == ["create", "read", "read"]


async def test_one_identifier_sent_for_two_patients_at_once_names_only_one(referrals, ehr):
    ident = f"shared-{nhs_number()}"
    patients = [nhs_number(), nhs_number()]
    answers = await asyncio.gather(
        *(
            referrals.post(
                "/fhir/ServiceRequest", json=service_request(nhs, identifier=ident), headers=ehr
            )
            for nhs in patients
        )
    )
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    refused = next(nhs for nhs, r in zip(patients, answers, strict=True) if r.status_code == 409)
    found = await referrals.get("/fhir/ServiceRequest", params={"patient": refused}, headers=ehr)
    assert found.json().get("entry", []) == []
    by_ident = await referrals.get(
        "/fhir/ServiceRequest", params={"identifier": ident}, headers=ehr
    )
    assert len(by_ident.json()["entry"]) == 1
