"""One Patient per NHS number, whoever asks: conditional create and update match every patient
held, and a caller off the care team learns the id but not the content."""

import pytest
from fhir_helpers import NHS, bearer, care_team, new_nhs_number, patient, post

pytestmark = pytest.mark.integration

ACUTE = "RYW"  # an acute trust whose EHR is not (yet) on the patient's care team


@pytest.fixture
def acute(token_for):
    return bearer(token_for("ehr-system", scopes="system/*.cruds", organisation=ACUTE))


def if_none_exist(headers: dict[str, str], nhs: str) -> dict[str, str]:
    return {**headers, "if-none-exist": f"identifier={NHS}|{nhs}"}


async def patients_with(client, platform, nhs: str) -> list[dict]:
    r = await client.get("/fhir/Patient", params={"identifier": f"{NHS}|{nhs}"}, headers=platform)
    return [e["resource"] for e in r.json().get("entry", [])]


async def test_ehr_off_the_team_gets_the_existing_patients_id_but_not_its_content(
    client, system, acute, platform
):
    nhs = new_nhs_number()
    named = {**patient(nhs), "name": [{"family": "Okafor", "given": ["Grace"]}]}
    held = await post(client, system, named)
    await post(client, system, care_team(held["id"], "pr-gp"))

    again = await client.post("/fhir/Patient", json=patient(nhs), headers=if_none_exist(acute, nhs))

    assert again.status_code == 200, again.text
    assert again.json()["resourceType"] == "OperationOutcome"
    assert "Okafor" not in again.text
    assert f"/Patient/{held['id']}/_history/1" in again.headers["location"]
    assert [p["id"] for p in await patients_with(client, platform, nhs)] == [held["id"]]
    # with the id it registers its own team, and from then on reads the Patient
    await post(client, acute, care_team(held["id"], "pr-acute", organisation=ACUTE))
    on_team = await client.post(
        "/fhir/Patient", json=patient(nhs), headers=if_none_exist(acute, nhs)
    )
    assert on_team.status_code == 200 and on_team.json()["name"][0]["family"] == "Okafor"


async def test_second_patient_with_one_nhs_number_is_refused(client, system, acute, platform):
    nhs = new_nhs_number()
    held = await post(client, system, patient(nhs))

    duplicate = await client.post("/fhir/Patient", json=patient(nhs), headers=acute)

    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["issue"][0]["code"] == "duplicate"
    other = await post(client, acute, patient(new_nhs_number()))
    moved = await client.put(
        f"/fhir/Patient/{other['id']}", json={**other, **patient(nhs)}, headers=platform
    )
    assert moved.status_code == 409, moved.text
    assert [p["id"] for p in await patients_with(client, platform, nhs)] == [held["id"]]


async def test_conditional_update_of_a_patient_off_the_team_is_refused_and_changes_nothing(
    client, system, acute, platform
):
    nhs = new_nhs_number()
    held = await post(client, system, patient(nhs))

    r = await client.put(
        f"/fhir/Patient?identifier={NHS}|{nhs}",
        json={**patient(nhs), "gender": "female"},
        headers=acute,
    )

    assert r.status_code == 403, r.text
    [current] = await patients_with(client, platform, nhs)
    assert current["id"] == held["id"] and current["meta"]["versionId"] == "1"
    assert "gender" not in current
