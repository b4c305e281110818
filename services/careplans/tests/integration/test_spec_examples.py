"""Published FHIR R4 examples (CarePlan/example, Goal/example) survive a round trip unchanged."""

import json
from pathlib import Path

import pytest
from fhir_helpers import bearer, care_team, new_nhs_number, patient

from careplans.main import create_app
from cch_devstack.testing import service_app
from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _example(name: str, **refs: str) -> dict:
    text = (FIXTURES / name).read_text()
    for old, new in refs.items():
        text = text.replace(f'"{old.replace("_", "/")}"', f'"{new}"')
    body = json.loads(text)
    body.pop("id")
    return body


def _without_meta(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k not in ("id", "meta")}


async def test_spec_example_care_plan_and_goal_round_trip(infra, token_for):
    system = bearer(token_for("ehr-system", scopes="system/*.cruds"))
    async with service_app(infra, "careplans", create_app) as client:
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
