"""FHIR REST interactions on CarePlan and friends, in-process against real Postgres and broker."""

import asyncio

import pytest
from fhir_helpers import bearer, care_plan, new_nhs_number, patient, patient_with_team

from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration


async def _patient(client, headers) -> str:
    _, pat, _ = await patient_with_team(client, headers, "pr-rest")
    return pat["id"]


async def test_created_plan_is_versioned_and_readable_with_etag(client, system, platform):
    pid = await _patient(client, system)
    r = await client.post("/fhir/CarePlan", json=care_plan(pid), headers=system)
    assert r.status_code == 201
    plan = r.json()
    assert plan["meta"]["versionId"] == "1" and r.headers["etag"] == 'W/"1"'
    assert r.headers["location"].endswith(f"/fhir/CarePlan/{plan['id']}/_history/1")
    assert schema_errors(plan) == []
    got = await client.get(f"/fhir/CarePlan/{plan['id']}", headers=system)
    assert got.status_code == 200 and got.json() == plan
    # only the platform may learn that an id is unknown; an EHR cannot tell it from not-permitted
    assert (await client.get("/fhir/CarePlan/nope", headers=platform)).status_code == 404
    assert (await client.get("/fhir/CarePlan/nope", headers=system)).status_code == 403


async def test_update_with_stale_version_is_412_and_history_keeps_every_version(client, system):
    pid = await _patient(client, system)
    plan = (await client.post("/fhir/CarePlan", json=care_plan(pid), headers=system)).json()
    plan["title"] = "v2"
    ok = await client.put(
        f"/fhir/CarePlan/{plan['id']}", json=plan, headers={**system, "if-match": 'W/"1"'}
    )
    assert ok.status_code == 200 and ok.json()["meta"]["versionId"] == "2"
    stale = await client.put(
        f"/fhir/CarePlan/{plan['id']}", json=plan, headers={**system, "if-match": 'W/"1"'}
    )
    assert stale.status_code == 412 and stale.json()["resourceType"] == "OperationOutcome"
    bad = await client.put(
        f"/fhir/CarePlan/{plan['id']}", json=plan, headers={**system, "if-match": '"2"'}
    )
    assert bad.status_code == 400
    hist = (await client.get(f"/fhir/CarePlan/{plan['id']}/_history", headers=system)).json()
    assert [e["resource"]["meta"]["versionId"] for e in hist["entry"]] == ["2", "1"]
    v1 = await client.get(f"/fhir/CarePlan/{plan['id']}/_history/1", headers=system)
    assert v1.json().get("title") is None
    assert schema_errors(hist) == []


async def test_two_concurrent_updates_of_one_version_exactly_one_wins(client, system):
    pid = await _patient(client, system)
    plan = (await client.post("/fhir/CarePlan", json=care_plan(pid), headers=system)).json()
    h = {**system, "if-match": 'W/"1"'}
    results = await asyncio.gather(
        *(
            client.put(f"/fhir/CarePlan/{plan['id']}", json={**plan, "title": f"t{i}"}, headers=h)
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]


async def test_bad_input_is_4xx_operation_outcome_and_stores_nothing(client, system):
    pid = await _patient(client, system)
    plan = (await client.post("/fhir/CarePlan", json=care_plan(pid), headers=system)).json()
    url = f"/fhir/CarePlan/{plan['id']}"
    cases = [
        (await client.post("/fhir/CarePlan", content=b"{not json", headers=system), 400),
        (await client.post("/fhir/CarePlan", json=patient(new_nhs_number()), headers=system), 400),
        (
            await client.post(
                "/fhir/CarePlan", json={**care_plan(pid), "status": "bogus"}, headers=system
            ),
            422,
        ),
        (
            await client.post(
                "/fhir/CarePlan", json={**care_plan(pid), "bogus": 1}, headers=system
            ),
            400,
        ),
        (await client.post("/fhir/CarePlan", json=care_plan("missing"), headers=system), 422),
        (
            await client.post("/fhir/CarePlan", json=care_plan(pid, "emergency"), headers=system),
            422,
        ),
        (await client.post("/fhir/Patient", json=patient("9434765910"), headers=system), 422),
        (await client.put(url, json={**plan, "id": "other"}, headers=system), 400),
        (
            await client.put(
                "/fhir/CarePlan/unknown", json={**plan, "id": "unknown"}, headers=system
            ),
            403,
        ),
        (await client.delete("/fhir/Observation/1", headers=system), 404),
        (await client.delete(f"/fhir/Patient/{pid}", headers=system), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.json()["resourceType"] == "OperationOutcome"
    assert (await client.get(url, headers=system)).json() == plan


async def test_patch_delete_conditional_create_and_validate(client, system):
    pid = await _patient(client, system)
    ident = {"system": "https://ehr.example/plans", "value": f"p-{pid}"}
    body = care_plan(pid, identifier=[ident])
    cond = {**system, "if-none-exist": f"identifier={ident['system']}|{ident['value']}"}
    first = await client.post("/fhir/CarePlan", json=body, headers=cond)
    again = await client.post("/fhir/CarePlan", json=body, headers=cond)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    rid = first.json()["id"]
    patch_headers = {**system, "content-type": "application/json-patch+json"}
    patched = await client.patch(
        f"/fhir/CarePlan/{rid}",
        headers=patch_headers,
        json=[{"op": "replace", "path": "/status", "value": "on-hold"}],
    )
    assert patched.status_code == 200 and patched.json()["status"] == "on-hold"
    forbidden = await client.patch(
        f"/fhir/CarePlan/{rid}",
        headers=patch_headers,
        json=[{"op": "replace", "path": "/id", "value": "x"}],
    )
    invalid = await client.patch(
        f"/fhir/CarePlan/{rid}",
        headers=patch_headers,
        json=[{"op": "replace", "path": "/status", "value": "nope"}],
    )
    assert forbidden.status_code == 422 and invalid.status_code == 422
    cu = await client.put(
        f"/fhir/CarePlan?identifier={ident['system']}|{ident['value']}",
        json={**body, "title": "cond"},
        headers=system,
    )
    assert cu.status_code == 200 and cu.json()["id"] == rid and cu.json()["title"] == "cond"
    ok = await client.post("/fhir/CarePlan/$validate", json=care_plan(pid), headers=system)
    bad = await client.post(
        "/fhir/CarePlan/$validate", json={**care_plan(pid), "intent": "x"}, headers=system
    )
    assert ok.status_code == 200 and bad.status_code == 422
    assert ok.json()["resourceType"] == bad.json()["resourceType"] == "OperationOutcome"
    meta = (await client.get("/fhir/metadata", headers=system)).json()
    # the packaged R4 schema's fhirVersion enum predates 4.0.1: that one message is the lib's
    assert [e for e in schema_errors(meta) if not e.startswith("fhirVersion")] == []
    assert {r["type"] for r in meta["rest"][0]["resource"]} >= {"CarePlan", "Flag", "AuditEvent"}


async def test_deleted_plan_reads_as_gone_keeps_its_history_and_leaves_search(client, system):
    pid = await _patient(client, system)
    plan = (await client.post("/fhir/CarePlan", json=care_plan(pid), headers=system)).json()
    url = f"/fhir/CarePlan/{plan['id']}"
    assert (await client.delete(url, headers=system)).status_code == 204
    read = await client.get(url, headers=system)
    assert read.status_code == 410 and read.json()["resourceType"] == "OperationOutcome"
    assert read.json()["issue"][0]["code"] == "deleted"
    v1 = await client.get(f"{url}/_history/1", headers=system)
    assert v1.status_code == 200 and v1.json()["status"] == "active"
    assert (await client.get(f"{url}/_history/2", headers=system)).status_code == 410
    history = (await client.get(f"{url}/_history", headers=system)).json()
    assert history["entry"][0]["request"]["method"] == "DELETE"
    assert history["entry"][0]["resource"]["status"] == "entered-in-error"
    found = (await client.get("/fhir/CarePlan", params={"patient": pid}, headers=system)).json()
    assert found["total"] == 0
    again = await client.delete(url, headers=system)
    assert again.status_code == 204
    assert (await client.get(f"{url}/_history", headers=system)).json()["total"] == 2
    put = await client.put(url, json={**plan, "title": "back"}, headers=system)
    assert put.status_code == 410


async def test_validate_at_the_base_takes_any_type_served_here(client, system):
    pid = await _patient(client, system)
    ok = await client.post("/fhir/$validate", json=care_plan(pid), headers=system)
    assert ok.status_code == 200, ok.text
    assert not [i for i in ok.json()["issue"] if i["severity"] in ("error", "fatal")]
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {}}]}
    wrapped["parameter"][0]["resource"] = {**care_plan(pid), "intent": "x"}
    bad = await client.post("/fhir/$validate", json=wrapped, headers=system)
    assert bad.status_code == 422 and bad.json()["resourceType"] == "OperationOutcome"
    foreign = await client.post(
        "/fhir/$validate", json={"resourceType": "Observation"}, headers=system
    )
    assert foreign.status_code == 400 and foreign.json()["issue"][0]["code"] == "not-supported"


async def test_audit_event_read_carries_its_version_as_etag(client, system, token_for):
    pid = await _patient(client, system)
    ops = bearer(token_for("ops"))
    found = await client.get("/fhir/AuditEvent", params={"entity": f"Patient/{pid}"}, headers=ops)
    event_id = found.json()["entry"][0]["resource"]["id"]
    r = await client.get(f"/fhir/AuditEvent/{event_id}", headers=ops)
    assert r.status_code == 200
    assert r.headers["etag"] == 'W/"1"' == f'W/"{r.json()["meta"]["versionId"]}"'
    assert r.headers["last-modified"]


async def test_read_without_a_bearer_token_or_of_an_unserved_type_is_refused(client, system):
    pid = await _patient(client, system)
    plan = (await client.post("/fhir/CarePlan", json=care_plan(pid), headers=system)).json()
    anonymous = await client.get(f"/fhir/CarePlan/{plan['id']}")
    assert anonymous.status_code == 401
    assert (
        anonymous.json()["resourceType"] == "OperationOutcome" and plan["id"] not in anonymous.text
    )
    forged = await client.get(f"/fhir/CarePlan/{plan['id']}", headers=bearer("not-a-token"))
    assert forged.status_code == 401 and plan["id"] not in forged.text
    unserved = await client.get(f"/fhir/Observation/{plan['id']}", headers=system)
    assert unserved.status_code == 404
    assert unserved.json()["issue"][0]["code"] == "not-supported"
