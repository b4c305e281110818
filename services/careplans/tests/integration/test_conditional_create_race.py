"""Conditional creates sent at the same moment: the losers are answered as a caller who came
second would be (200 and the one resource), and one resource is stored."""

import asyncio

import httpx
import pytest
from fhir_helpers import NHS, bearer, care_plan, care_team, new_nhs_number, patient, post

from cch_contracts import patient_key

pytestmark = pytest.mark.integration

PATIENT_KEY = "https://cch.example.nhs.uk/Id/patient-key"
ACUTE = "RYW"  # an acute trust whose EHR is not on the new patient's care team
RACERS = 8


def _id_in_location(response: httpx.Response) -> str:
    # .../fhir/<Type>/<id>/_history/<version>
    return response.headers["location"].split("/_history/")[0].rsplit("/", 1)[-1]


async def _all_at_once(client, url: str, sends: list[tuple[dict, dict]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(client.post(url, json=b, headers=h) for b, h in sends)))


async def test_patient_created_by_many_ehrs_at_once_is_stored_once(client, token_for, platform):
    nhs = new_nhs_number()
    key = patient_key(nhs)
    body = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs}, {"system": PATIENT_KEY, "value": key}],
        "name": [{"family": "Adeyemi", "given": ["Tunde"]}],
    }
    acute = bearer(token_for("ehr-system", scopes="system/*.cruds", organisation=ACUTE))
    # half ask by NHS number, half by platform key: two conditions naming one patient
    conditions = [f"identifier={NHS}|{nhs}", f"identifier={PATIENT_KEY}|{key}"]
    sends = [
        ({**body}, {**caller, "if-none-exist": condition})
        for caller, condition in zip(
            [platform, acute] * (RACERS // 2), conditions * (RACERS // 2), strict=True
        )
    ]

    answers = await _all_at_once(client, "/fhir/Patient", sends)

    assert sorted(r.status_code for r in answers) == [200] * (RACERS - 1) + [201], [
        r.text for r in answers
    ]
    held = await client.get(
        "/fhir/Patient", params={"identifier": f"{NHS}|{nhs}"}, headers=platform
    )
    [stored] = [e["resource"] for e in held.json()["entry"]]
    assert {_id_in_location(r) for r in answers} == {stored["id"]}
    for (_, headers), answer in zip(sends, answers, strict=True):
        if answer.status_code == 201:
            continue
        if headers["authorization"] == acute["authorization"]:
            # not on the patient's care team: told the id, never the content
            assert answer.json()["resourceType"] == "OperationOutcome"
            assert "Adeyemi" not in answer.text
        else:
            assert answer.json()["id"] == stored["id"]
            assert answer.json()["name"][0]["family"] == "Adeyemi"


async def test_care_plan_created_conditionally_many_times_at_once_is_stored_once(client, system):
    pat = await post(client, system, patient(new_nhs_number()))
    await post(client, system, care_team(pat["id"], "pr-gp"))
    identifier = {"system": "https://cch.example.nhs.uk/Id/care-plan", "value": new_nhs_number()}
    plan = care_plan(pat["id"], identifier=[identifier])
    condition = f"identifier={identifier['system']}|{identifier['value']}"

    answers = await _all_at_once(
        client, "/fhir/CarePlan", [(plan, {**system, "if-none-exist": condition})] * RACERS
    )

    assert sorted(r.status_code for r in answers) == [200] * (RACERS - 1) + [201], [
        r.text for r in answers
    ]
    found = await client.get(
        "/fhir/CarePlan",
        params={"identifier": condition.removeprefix("identifier=")},
        headers=system,
    )
    [stored] = [e["resource"]["id"] for e in found.json()["entry"]]
    assert {_id_in_location(r) for r in answers} == {stored}
    assert {r.json()["id"] for r in answers} == {stored}


async def test_conditional_updates_racing_to_create_one_patient_store_it_once(client, platform):
    nhs = new_nhs_number()
    key = patient_key(nhs)
    body = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs}, {"system": PATIENT_KEY, "value": key}],
    }
    urls = [
        f"/fhir/Patient?identifier={NHS}|{nhs}",
        f"/fhir/Patient?identifier={PATIENT_KEY}|{key}",
    ]

    answers = await asyncio.gather(
        *(client.put(urls[n % 2], json=body, headers=platform) for n in range(RACERS))
    )

    assert sorted(r.status_code for r in answers) == [200] * (RACERS - 1) + [201], [
        r.text for r in answers
    ]
    assert len({r.json()["id"] for r in answers}) == 1
    held = await client.get(
        "/fhir/Patient", params={"identifier": f"{NHS}|{nhs}"}, headers=platform
    )
    [stored] = [e["resource"] for e in held.json()["entry"]]
    assert stored["meta"]["versionId"] == str(RACERS)  # each later PUT updated the one record
