"""Need-to-know per organisation and per SMART interaction, break-glass, and the audit of both."""

import uuid

import pytest
from fhir_helpers import ORG, bearer, care_plan, care_team, flag, patient_with_team, post

pytestmark = pytest.mark.integration


async def test_system_reaches_only_patients_whose_care_team_includes_its_organisation(
    client, system, token_for
):
    _, pat, _ = await patient_with_team(client, system, "pr-org")
    plan = await post(client, system, care_plan(pat["id"]))
    url = f"/fhir/CarePlan/{plan['id']}"
    other_org = bearer(token_for("ehr-system", scopes="system/*.cruds", organisation="RYG"))
    no_org = bearer(token_for("ehr-system", scopes="system/*.cruds"))
    for headers in (other_org, no_org):
        denied = await client.get(url, headers=headers)
        assert denied.status_code == 403 and denied.json()["resourceType"] == "OperationOutcome"
        unknown = await client.get("/fhir/CarePlan/never-was", headers=headers)
        assert unknown.status_code == 403
        assert denied.json()["issue"][0]["diagnostics"] == unknown.json()["issue"][0]["diagnostics"]
        found = await client.get("/fhir/CarePlan", params={"patient": pat["id"]}, headers=headers)
        assert found.status_code == 200 and found.json()["total"] == 0
        put = await client.put(url, json={**plan, "title": "x"}, headers=headers)
        assert put.status_code == 403
        write = await client.post("/fhir/CarePlan", json=care_plan(pat["id"]), headers=headers)
        assert write.status_code == 403
    assert (await client.get(url, headers=system)).json() == plan
    # once the other organisation joins the team (as a participant) it is let in
    team = await post(client, system, care_team(pat["id"], "pr-acute", organisation=ORG))
    team["participant"].append({"member": {"reference": "Organization/RYG"}})
    joined = await client.put(f"/fhir/CareTeam/{team['id']}", json=team, headers=system)
    assert joined.status_code == 200
    assert (await client.get(url, headers=other_org)).status_code == 200


async def test_an_organisation_cannot_create_a_care_team_that_does_not_include_it(
    client, system, token_for
):
    _, pat, _ = await patient_with_team(client, system, "pr-team")
    other_org = bearer(token_for("ehr-system", scopes="system/*.cruds", organisation="RYG"))
    sneaky = care_team(pat["id"], "pr-sneaky", organisation=ORG)
    assert (await client.post("/fhir/CareTeam", json=sneaky, headers=other_org)).status_code == 403
    own = care_team(pat["id"], "pr-acute", organisation="RYG")
    assert (await client.post("/fhir/CareTeam", json=own, headers=other_org)).status_code == 201


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        ("user/CarePlan.r", {"read"}),
        ("user/CarePlan.s", {"search"}),
        ("user/CarePlan.rs", {"read", "search"}),
        ("user/CarePlan.cu", {"create", "update"}),
        ("user/CarePlan.d", {"delete"}),
        ("user/CarePlan.cruds", {"create", "read", "update", "delete", "search"}),
        ("user/Flag.cruds", set()),
    ],
)
async def test_smart_scopes_are_enforced_per_interaction(
    client, system, token_for, scopes, allowed
):
    me = f"pr-{uuid.uuid4().hex[:8]}"
    _, pat, _ = await patient_with_team(client, system, me)
    plan = await post(client, system, care_plan(pat["id"]))
    url = f"/fhir/CarePlan/{plan['id']}"
    user = bearer(token_for("clinician", scopes=scopes, practitioner_id=me))
    outcomes = {
        "create": await client.post("/fhir/CarePlan", json=care_plan(pat["id"]), headers=user),
        "read": await client.get(url, headers=user),
        "search": await client.get("/fhir/CarePlan", params={"patient": pat["id"]}, headers=user),
        "update": await client.put(url, json={**plan, "title": "u"}, headers=user),
    }
    outcomes["delete"] = await client.delete(url, headers=user)
    for interaction, response in outcomes.items():
        expected_ok = interaction in allowed
        assert (response.status_code < 300) is expected_ok, (interaction, response.text)
        if not expected_ok:
            assert response.status_code == 403
            assert response.json()["resourceType"] == "OperationOutcome"


async def test_user_leaves_the_plan_when_their_participation_ends(client, system, token_for):
    me = f"pr-{uuid.uuid4().hex[:8]}"
    _, pat, team = await patient_with_team(client, system, me)
    plan = await post(client, system, care_plan(pat["id"]))
    user = bearer(token_for("clinician", scopes="user/CarePlan.rs", practitioner_id=me))
    url = f"/fhir/CarePlan/{plan['id']}"
    assert (await client.get(url, headers=user)).status_code == 200
    team["participant"][0]["period"] = {"start": "2020-01-01", "end": "2021-01-01"}
    moved = await client.put(f"/fhir/CareTeam/{team['id']}", json=team, headers=system)
    assert moved.status_code == 200
    assert (await client.get(url, headers=user)).status_code == 403


async def test_rapid_response_breaks_the_glass_with_a_reason_and_ops_sees_it(
    client, system, token_for
):
    nhs, pat, _ = await patient_with_team(client, system, "pr-team-only")
    main = await post(client, system, care_plan(pat["id"]))
    part = [{"reference": f"CarePlan/{main['id']}"}]
    ecp = await post(client, system, care_plan(pat["id"], "emergency", partOf=part))
    dnar = await post(client, system, flag(pat["id"], "dnar"))
    responder = f"rr-{uuid.uuid4().hex[:8]}"
    rr = bearer(token_for("rapid-response", scopes="user/CarePlan.rs", practitioner_id=responder))
    summary_url = f"/patients/{nhs}/crisis-summary"

    without = await client.get(summary_url, headers=rr)
    assert without.status_code == 403
    assert without.json()["type"].endswith("/break-glass-reason-required")
    reason = "Collapsed at home, 999 call, no family present"
    broke = await client.get(summary_url, headers={**rr, "x-break-glass-reason": reason})
    assert broke.status_code == 200
    ids = [e["resource"]["id"] for e in broke.json()["entry"]]
    assert ids[:2] == [ecp["id"], dnar["id"]]
    # the glass opens the crisis summary only, never the full record
    assert (await client.get(f"/fhir/CarePlan/{main['id']}", headers=rr)).status_code == 403
    clinician = bearer(token_for("clinician", scopes="user/CarePlan.rs", practitioner_id="x"))
    refused = await client.get(summary_url, headers={**clinician, "x-break-glass-reason": reason})
    assert refused.status_code == 403

    ops = bearer(token_for("ops"))
    found = (
        await client.get("/fhir/AuditEvent", params={"subtype": "break-glass"}, headers=ops)
    ).json()
    mine = [
        e["resource"]
        for e in found.get("entry", [])
        if e["resource"]["agent"][0]["who"]["identifier"]["value"] == responder
        and e["resource"]["outcome"] == "0"
    ]
    assert len(mine) == 1
    event = mine[0]
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "BTG"
    assert reason in event["purposeOfEvent"][0]["text"]
    assert event["entity"][0]["what"]["reference"] == f"Patient/{pat['id']}"
