"""Search, includes, need-to-know, scopes, AuditEvent and the crisis summary."""

import uuid

import pytest
from fhir_helpers import NHS, bearer, care_plan, flag, patient_with_team, post

from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration


_post = post


async def _patient_with_team(client, system, practitioner: str):
    return await patient_with_team(client, system, practitioner)


async def test_search_pages_includes_and_reports_unknown_parameters(client, system):
    nhs, pat, team = await _patient_with_team(client, system, f"pr-{uuid.uuid4().hex[:8]}")
    main = await _post(
        client, system, care_plan(pat["id"], careTeam=[{"reference": f"CareTeam/{team['id']}"}])
    )
    for _ in range(4):
        await _post(
            client,
            system,
            care_plan(pat["id"], "emergency", partOf=[{"reference": f"CarePlan/{main['id']}"}]),
        )
    await _post(client, system, flag(pat["id"], "dnar"))
    q = {
        "subject:identifier": f"{NHS}|{nhs}",
        "_count": "2",
        "_include": "CarePlan:care-team",
        "_revinclude": "Flag:patient",
        "_sort": "_lastUpdated",
        "bogus": "1",
    }
    page = (await client.get("/fhir/CarePlan", params=q, headers=system)).json()
    assert page["total"] == 5 and schema_errors(page) == []
    modes = [e["search"]["mode"] for e in page["entry"]]
    assert modes.count("match") == 2 and "include" in modes and modes[-1] == "outcome"
    links = {link["relation"]: link["url"] for link in page["link"]}
    assert "next" in links and "previous" not in links
    assert "CareTeam" in {e["resource"]["resourceType"] for e in page["entry"]}
    assert "Flag" in {e["resource"]["resourceType"] for e in page["entry"]}
    strict = await client.get(
        "/fhir/CarePlan", params={"bogus": "1"}, headers={**system, "prefer": "handling=strict"}
    )
    assert strict.status_code == 400
    emergency = await client.get(
        "/fhir/CarePlan",
        params={"patient": pat["id"], "category": "emergency", "_summary": "count"},
        headers=system,
    )
    assert emergency.json()["total"] == 4
    dated = await client.get(
        "/fhir/CarePlan", params={"patient": pat["id"], "date": "lt2025-01-01"}, headers=system
    )
    assert dated.json()["total"] == 0
    by_team = await client.get("/fhir/CarePlan", params={"care-team": team["id"]}, headers=system)
    assert [e["resource"]["id"] for e in by_team.json()["entry"]] == [main["id"]]


async def test_user_sees_only_patients_whose_care_team_they_are_on(client, system, token_for):
    me = f"pr-{uuid.uuid4().hex[:8]}"
    _, mine, _ = await _patient_with_team(client, system, me)
    _, theirs, _ = await _patient_with_team(client, system, "someone-else")
    my_plan = await _post(client, system, care_plan(mine["id"]))
    their_plan = await _post(client, system, care_plan(theirs["id"]))
    user = bearer(token_for("clinician", scopes="user/CarePlan.cruds", practitioner_id=me))
    assert (await client.get(f"/fhir/CarePlan/{my_plan['id']}", headers=user)).status_code == 200
    denied = await client.get(f"/fhir/CarePlan/{their_plan['id']}", headers=user)
    unknown = await client.get("/fhir/CarePlan/does-not-exist", headers=user)
    assert denied.status_code == unknown.status_code == 403
    assert denied.json()["issue"][0]["diagnostics"] == unknown.json()["issue"][0]["diagnostics"]
    found = (await client.get("/fhir/CarePlan", headers=user)).json()
    assert {e["resource"]["subject"]["reference"] for e in found.get("entry", [])} == {
        f"Patient/{mine['id']}"
    }
    write = await client.post("/fhir/CarePlan", json=care_plan(theirs["id"]), headers=user)
    assert write.status_code == 403
    read_only = bearer(token_for("clinician", scopes="user/CarePlan.rs", practitioner_id=me))
    upd = await client.put(f"/fhir/CarePlan/{my_plan['id']}", json=my_plan, headers=read_only)
    assert upd.status_code == 403


async def test_every_access_is_an_audit_event_readable_by_ops_only(client, system, token_for):
    _, pat, _ = await _patient_with_team(client, system, "pr-audit")
    plan = await _post(client, system, care_plan(pat["id"]))
    await client.get(f"/fhir/CarePlan/{plan['id']}", headers=system)
    ops = bearer(token_for("ops"))
    events = (
        await client.get(
            "/fhir/AuditEvent", params={"entity": f"CarePlan/{plan['id']}"}, headers=ops
        )
    ).json()
    actions = sorted(e["resource"]["action"] for e in events["entry"])
    assert actions == ["C", "R"] and schema_errors(events) == []
    clinician = bearer(token_for("clinician", scopes="user/*.cruds"))
    assert (await client.get("/fhir/AuditEvent", headers=clinician)).status_code == 403


async def test_crisis_summary_puts_emergency_plan_then_alerts_in_order(client, system, token_for):
    me = f"pr-{uuid.uuid4().hex[:8]}"
    nhs, pat, _ = await _patient_with_team(client, system, me)
    main = await _post(client, system, care_plan(pat["id"]))
    part = [{"reference": f"CarePlan/{main['id']}"}]
    eol = await _post(client, system, care_plan(pat["id"], "end-of-life", partOf=part))
    ecp = await _post(client, system, care_plan(pat["id"], "emergency", partOf=part))
    lone = await _post(client, system, flag(pat["id"], "lone-worker"))
    dnar = await _post(client, system, flag(pat["id"], "dnar"))
    allergy = await _post(client, system, flag(pat["id"], "allergy"))
    user = bearer(token_for("clinician", scopes="user/CarePlan.rs", practitioner_id=me))
    r = await client.get(f"/patients/{nhs}/crisis-summary", headers=user)
    assert r.status_code == 200
    ids = [e["resource"]["id"] for e in r.json()["entry"]]
    assert ids == [ecp["id"], dnar["id"], allergy["id"], lone["id"], eol["id"], main["id"]]
    stranger = bearer(token_for("clinician", scopes="user/CarePlan.rs", practitioner_id="x"))
    assert (
        await client.get(f"/patients/{nhs}/crisis-summary", headers=stranger)
    ).status_code == 403
