"""EHRs send and manage referrals as FHIR R4 ServiceRequest (real Postgres and broker)."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from referrals_testkit import (
    ICD10,
    NHS,
    REFERRER,
    audit_rows,
    nhs_number,
    outbox_events,
    service_request,
)

from cch_contracts import patient_key
from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration


async def test_ehr_creates_a_referral_that_validates_and_is_announced(infra, referrals, ehr):
    nhs = nhs_number()
    client = referrals
    r = await client.post("/fhir/ServiceRequest", json=service_request(nhs), headers=ehr)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["content-type"].startswith("application/fhir+json")
    assert r.headers["etag"] == 'W/"1"'
    assert r.headers["location"].endswith(f"/fhir/ServiceRequest/{created['id']}/_history/1")
    assert schema_errors(created) == []
    assert created["subject"]["identifier"] == {"system": NHS, "value": nhs}
    assert created["category"][0]["coding"][0]["code"] == "gp"

    read = await client.get(f"/fhir/ServiceRequest/{created['id']}", headers=ehr)
    assert read.status_code == 200 and read.json() == created

    events = await outbox_events(infra, created["id"])
    assert [e["type"] for e in events] == ["cch.referral.received.v1"]
    assert events[0]["key"] == patient_key(nhs)  # opaque key, never the NHS number
    assert nhs not in events[0]["key"]
    assert events[0]["payload"]["route"] == "gp"
    assert set(await audit_rows(infra, created["id"])) >= {"create", "read"}


async def test_conditional_create_and_resend_return_the_existing_referral(infra, referrals, ehr):
    nhs = nhs_number()
    ident = "gp-letter-0001-" + nhs
    body = service_request(nhs, identifier=ident)
    client = referrals
    first = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert first.status_code == 201
    again = await client.post(
        "/fhir/ServiceRequest",
        json=body,
        headers={**ehr, "If-None-Exist": f"identifier={REFERRER}|{ident}"},
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    resent = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert resent.status_code == 200 and resent.json()["id"] == first.json()["id"]
    found = await client.get(
        "/fhir/ServiceRequest", params={"patient:identifier": f"{NHS}|{nhs}"}, headers=ehr
    )
    assert found.json()["total"] == 1
    assert len(await outbox_events(infra, first.json()["id"])) == 1


async def test_second_route_is_linked_to_the_open_referral(infra, referrals, ehr):
    nhs = nhs_number()
    client = referrals
    gp = await client.post("/fhir/ServiceRequest", json=service_request(nhs), headers=ehr)
    ae = await client.post(
        "/fhir/ServiceRequest",
        json=service_request(nhs, route="ae-fit", requester="Organization/RXW"),
        headers=ehr,
    )
    assert ae.status_code == 200
    linked = ae.json()
    assert linked["id"] == gp.json()["id"]
    assert linked["meta"]["versionId"] == "2"
    assert [c["coding"][0]["code"] for c in linked["category"]] == ["gp", "ae-fit"]
    assert schema_errors(linked) == []
    total = await client.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    assert total.json()["total"] == 1
    received = [e["payload"] for e in await outbox_events(infra, linked["id"])]
    assert [p["linked_to_open_referral"] for p in received] == [False, True]
    assert received[1]["routes"] == ["gp", "ae-fit"]


@pytest.mark.parametrize(
    ("change", "status", "expression"),
    [
        ({"subject": {"identifier": {"system": NHS, "value": "9434765918"}}}, 422, "subject"),
        (
            {"reasonCode": [{"coding": [{"system": "http://read.info/ctv3", "code": "XaIND"}]}]},
            422,
            "reasonCode[0].coding[0].system",
        ),
        ({"category": [{"coding": [{"system": "x", "code": "gp"}]}]}, 422, "category"),
        ({"priority": "stat"}, 422, "priority"),
        ({"requester": {"reference": "Patient/p1"}}, 422, "requester"),
        ({"authoredOn": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, 422, "authoredOn"),
        ({"resourceType": "CarePlan"}, 400, "resourceType"),
        ({"status": "not-a-status"}, 422, "status"),
        ({"priority": "urgent"}, 422, "crisis"),
    ],
)
async def test_bad_referrals_are_refused_with_an_outcome_and_nothing_is_stored(
    infra, referrals, ehr, change, status, expression
):
    nhs = nhs_number()
    body = {**service_request(nhs), **change}
    client = referrals
    r = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert r.status_code == status, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    where = " ".join(" ".join(i.get("expression", [])) for i in outcome["issue"])
    assert expression in where, outcome
    found = await client.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    assert found.json()["total"] == 0


async def test_malformed_oversized_and_unauthenticated_requests_are_4xx(
    infra, referrals, ehr, token_for
):
    client = referrals
    bad_json = await client.post(
        "/fhir/ServiceRequest",
        content=b"{not json",
        headers={**ehr, "content-type": "application/fhir+json"},
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["resourceType"] == "OperationOutcome"
    huge = await client.post(
        "/fhir/ServiceRequest",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={**ehr, "content-type": "application/fhir+json"},
    )
    assert huge.status_code == 413
    assert (await client.get("/fhir/ServiceRequest")).status_code == 401
    no_scope = {"authorization": f"Bearer {token_for('ops')}"}
    assert (await client.get("/fhir/ServiceRequest", headers=no_scope)).status_code == 403
    missing = await client.get("/fhir/ServiceRequest/nope", headers=ehr)
    assert missing.status_code == 404
    assert missing.json()["issue"][0]["code"] == "not-found"


async def test_urgent_crisis_referral_goes_to_dispatch(infra, referrals, ehr):
    nhs = nhs_number()
    body = service_request(
        nhs, priority="urgent", crisis=("sy1 1ab", "Fall at home, cannot get up")
    )
    client = referrals
    r = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert r.status_code == 201, r.text
    events = await outbox_events(infra, r.json()["id"])
    assert [e["type"] for e in events] == ["cch.referral.received.v1", "cch.referral.urgent.v1"]
    urgent = events[1]["payload"]
    assert urgent["location"]["postcode"] == "SY1 1AB"
    assert urgent["reason"] == "Fall at home, cannot get up"
    assert urgent["patient_key"] == patient_key(nhs)


async def test_update_with_if_match_versions_and_refuses_stale_writes(infra, referrals, ehr):
    nhs = nhs_number()
    client = referrals
    created = (
        await client.post("/fhir/ServiceRequest", json=service_request(nhs), headers=ehr)
    ).json()
    rid = created["id"]
    held = {**created, "status": "on-hold", "note": [{"text": "awaiting bloods"}]}
    ok = await client.put(
        f"/fhir/ServiceRequest/{rid}", json=held, headers={**ehr, "If-Match": 'W/"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "on-hold" and ok.headers["etag"] == 'W/"2"'
    stale = await client.put(
        f"/fhir/ServiceRequest/{rid}",
        json={**created, "status": "revoked"},
        headers={**ehr, "If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    malformed = await client.put(
        f"/fhir/ServiceRequest/{rid}", json=held, headers={**ehr, "If-Match": "2"}
    )
    assert malformed.status_code == 400
    wrong_id = await client.put(
        f"/fhir/ServiceRequest/{rid}", json={**held, "id": "other"}, headers=ehr
    )
    assert wrong_id.status_code == 400
    completed = await client.put(
        f"/fhir/ServiceRequest/{rid}", json={**held, "status": "completed"}, headers=ehr
    )
    assert completed.status_code == 409

    v1 = await client.get(f"/fhir/ServiceRequest/{rid}/_history/1", headers=ehr)
    assert v1.status_code == 200 and v1.json()["status"] == "active"
    hist = await client.get(f"/fhir/ServiceRequest/{rid}/_history", headers=ehr)
    bundle = hist.json()
    assert bundle["type"] == "history" and bundle["total"] == 2
    assert [e["resource"]["meta"]["versionId"] for e in bundle["entry"]] == ["2", "1"]
    assert schema_errors(bundle) == []
    current = await client.get(f"/fhir/ServiceRequest/{rid}", headers=ehr)
    assert current.json()["status"] == "on-hold"
    assert "update" in await audit_rows(infra, rid)


async def test_search_by_patient_status_route_requester_dates_with_paging(infra, referrals, ehr):
    nhs, other = nhs_number(), nhs_number()
    requester = f"Practitioner/gp-{nhs}"
    client = referrals
    first = await client.post(
        "/fhir/ServiceRequest",
        json=service_request(nhs, requester=requester, reasons=[(ICD10, "J44.1")]),
        headers=ehr,
    )
    await client.post(
        "/fhir/ServiceRequest",
        json=service_request(other, route="self", requester=requester),
        headers=ehr,
    )
    rid = first.json()["id"]

    async def search(**params):
        r = await client.get("/fhir/ServiceRequest", params=params, headers=ehr)
        assert r.status_code == 200, r.text
        return r.json()

    by_patient = await search(**{"subject:identifier": f"{NHS}|{nhs}"})
    assert [e["resource"]["id"] for e in by_patient["entry"]] == [rid]
    assert (await search(requester=requester))["total"] == 2
    assert (await search(requester=requester, category="gp"))["total"] == 1
    route = "https://cch.example.nhs.uk/CodeSystem/referral-route|self"
    assert (await search(requester=requester, category=route))["total"] == 1
    assert (await search(requester=requester, status="active"))["total"] == 2
    assert (await search(requester=requester, status="completed"))["total"] == 0
    today = datetime.now(UTC).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert (await search(requester=requester, authored=f"ge{yesterday}"))["total"] == 2
    assert (await search(requester=requester, authored=f"le{yesterday}"))["total"] == 0
    assert (await search(requester=requester, _lastUpdated=f"lt{tomorrow}"))["total"] == 2
    page = await search(requester=requester, _count="1")
    assert page["total"] == 2 and len(page["entry"]) == 1
    nxt = next(link["url"] for link in page["link"] if link["relation"] == "next")
    assert "_offset=1" in nxt
    assert schema_errors(page) == []
    bad = await client.get(
        "/fhir/ServiceRequest", params={"authored": "ge-not-a-date"}, headers=ehr
    )
    assert bad.status_code == 400
    unknown = await search(requester=requester, colour="blue")
    assert unknown["entry"][-1]["search"]["mode"] == "outcome"


async def test_capability_statement_lists_service_request(infra, referrals, ehr):
    client = referrals
    r = await client.get("/fhir/metadata", headers=ehr)
    statement = r.json()
    assert statement["resourceType"] == "CapabilityStatement"
    [resource] = statement["rest"][0]["resource"]
    assert resource["type"] == "ServiceRequest" and resource["conditionalCreate"] is True
    codes = {i["code"] for i in resource["interaction"]}
    assert codes == {"read", "vread", "update", "history-instance", "create", "search-type"}
    assert schema_errors(statement) == []


async def test_one_identifier_cannot_name_two_patients(referrals, ehr):
    ident = "reused-" + nhs_number()
    first = await referrals.post(
        "/fhir/ServiceRequest", json=service_request(nhs_number(), identifier=ident), headers=ehr
    )
    assert first.status_code == 201
    other = await referrals.post(
        "/fhir/ServiceRequest", json=service_request(nhs_number(), identifier=ident), headers=ehr
    )
    assert other.status_code == 409
    assert other.json()["resourceType"] == "OperationOutcome"


async def test_simultaneous_referrals_for_one_patient_make_one_linked_referral(referrals, ehr):
    nhs = nhs_number()
    bodies = [
        service_request(nhs, route=route, requester="Organization/RXW")
        for route in ("gp", "ae-fit", "other-clinician", "gp-flag")
    ]
    answers = await asyncio.gather(
        *(referrals.post("/fhir/ServiceRequest", json=b, headers=ehr) for b in bodies)
    )
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    found = await referrals.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    [entry] = found.json()["entry"]
    routes = {c["coding"][0]["code"] for c in entry["resource"]["category"]}
    assert routes == {"gp", "ae-fit", "other-clinician", "gp-flag"}
    assert entry["resource"]["meta"]["versionId"] == "4"
