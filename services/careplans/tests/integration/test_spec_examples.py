"""Published FHIR R4 and UK examples (CarePlan, Goal, Flag) survive a round trip unchanged."""

import json
from pathlib import Path

import pytest
from fhir_helpers import care_team, new_nhs_number, patient

from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _example(name: str, **refs: str) -> dict:
    text = (FIXTURES / name).read_text()
    for old, new in refs.items():
        text = text.replace(f'"{old.replace("_", "/")}"', f'"{new}"')
    body = json.loads(text)
    body.pop("id")
    body.pop("meta", None)  # the server owns versionId and lastUpdated
    return body


def _without_meta(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k not in ("id", "meta")}


async def test_spec_example_care_plan_and_goal_round_trip(client, system):
    pat = (
        await client.post("/fhir/Patient", json=patient(new_nhs_number()), headers=system)
    ).json()
    team = (
        await client.post("/fhir/CareTeam", json=care_team(pat["id"], "pr-x"), headers=system)
    ).json()
    pref = f"Patient/{pat['id']}"
    goal_body = _example("goal-example.json", Patient_example=pref)
    goal = await client.post("/fhir/Goal", json=goal_body, headers=system)
    assert goal.status_code == 201, goal.text
    assert _without_meta(goal.json()) == goal_body
    plan_body = _example(
        "careplan-example.json",
        Patient_example=pref,
        CareTeam_example=f"CareTeam/{team['id']}",
        Goal_example=f"Goal/{goal.json()['id']}",
    )
    created = await client.post("/fhir/CarePlan", json=plan_body, headers=system)
    assert created.status_code == 201, created.text
    read = (await client.get(f"/fhir/CarePlan/{created.json()['id']}", headers=system)).json()
    assert _without_meta(read) == plan_body
    assert schema_errors(read) == [] and schema_errors(goal.json()) == []
    included = (
        await client.get(
            "/fhir/CarePlan",
            params={"_id": read["id"], "_include": "CarePlan:goal"},
            headers=system,
        )
    ).json()
    assert {e["resource"]["resourceType"] for e in included["entry"]} == {"CarePlan", "Goal"}


async def test_hl7_renal_plan_and_uk_emergency_plan_with_dnar_alert_round_trip(client, system):
    pat = (
        await client.post("/fhir/Patient", json=patient(new_nhs_number()), headers=system)
    ).json()
    team = (
        await client.post("/fhir/CareTeam", json=care_team(pat["id"], "cm-0042"), headers=system)
    ).json()
    pref = f"Patient/{pat['id']}"
    renal_body = _example("careplan-example-f201-renal.json", **{"Patient_f201": pref})
    renal = await client.post("/fhir/CarePlan", json=renal_body, headers=system)
    assert renal.status_code == 201, renal.text
    emergency_body = _example(
        "careplan-uk-emergency.json",
        **{
            "Patient_pat-9434765919": pref,
            "CarePlan_icp-9434765919": f"CarePlan/{renal.json()['id']}",
            "CareTeam_ct-9434765919": f"CareTeam/{team['id']}",
        },
    )
    emergency = await client.post("/fhir/CarePlan", json=emergency_body, headers=system)
    assert emergency.status_code == 201, emergency.text
    dnar_body = _example("flag-dnar.json", **{"Patient_pat-9434765919": pref})
    dnar = await client.post("/fhir/Flag", json=dnar_body, headers=system)
    assert dnar.status_code == 201, dnar.text
    for created, body in ((renal, renal_body), (emergency, emergency_body), (dnar, dnar_body)):
        url = f"/fhir/{body['resourceType']}/{created.json()['id']}"
        read = (await client.get(url, headers=system)).json()
        assert _without_meta(read) == body and schema_errors(read) == []
    with_alerts = (
        await client.get(
            "/fhir/CarePlan",
            params={"_id": emergency.json()["id"], "_revinclude": "Flag:patient"},
            headers=system,
        )
    ).json()
    assert [e["resource"]["resourceType"] for e in with_alerts["entry"]] == ["CarePlan", "Flag"]
