"""Published example CarePlans (FHIR R4 specification, UK Core) round-trip through the gateway:
POSTed as an EHR would send them, read back with their clinical content unchanged and valid
against the official R4 schema. Adaptations are listed in fixtures/careplans/README.md."""

import copy
import json
import random
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).parent / "fixtures" / "careplans"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
EHR_ORG = "M85004"  # the GP practice (ODS code) whose EHR system holds the token
EXAMPLES = sorted(p.name for p in FIXTURES.glob("*.json"))
# What the server sets on every version; everything else is the sender's and must come back.
SERVER_META = ("versionId", "lastUpdated")


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def _example(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return resource


def _adapt(example: dict[str, Any], patient_id: str) -> dict[str, Any]:
    """As the README says: no id (the server assigns it) and the example's patient becomes the
    patient registered here, wherever the example refers to it. Nothing clinical changes."""
    body = copy.deepcopy(example)
    body.pop("id")
    example_patient = body["subject"]["reference"]

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("reference") == example_patient:
                return {**node, "reference": f"Patient/{patient_id}"}
            return {k: rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    adapted: dict[str, Any] = rewrite(body)
    return adapted


def _clinical(resource: dict[str, Any]) -> dict[str, Any]:
    content = {k: v for k, v in resource.items() if k != "id"}
    meta = {k: v for k, v in content.pop("meta", {}).items() if k not in SERVER_META}
    return {**content, "meta": meta} if meta else content


@pytest.fixture
async def ehr(stack, token_for):
    token = token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG)
    async with httpx.AsyncClient(
        base_url=stack.config.service_url("gateway") + "/fhir",
        headers={"authorization": f"Bearer {token}", "accept": "application/fhir+json"},
        timeout=30,
    ) as client:
        yield client


async def _post(ehr: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await ehr.post(
        f"/{body['resourceType']}",
        content=json.dumps(body),
        headers={"content-type": "application/fhir+json"},
    )
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def _registered_patient(ehr: httpx.AsyncClient) -> str:
    """The example's patient registered here, with the EHR's organisation on the care team."""
    patient = await _post(
        ehr, {"resourceType": "Patient", "identifier": [{"system": NHS, "value": _nhs_number()}]}
    )
    await _post(
        ehr,
        {
            "resourceType": "CareTeam",
            "status": "active",
            "subject": {"reference": f"Patient/{patient['id']}"},
            "participant": [
                {
                    "member": {"reference": f"Practitioner/pr-{uuid.uuid4().hex[:8]}"},
                    "onBehalfOf": {"reference": f"Organization/{EHR_ORG}"},
                }
            ],
            "managingOrganization": [{"reference": f"Organization/{EHR_ORG}"}],
        },
    )
    return str(patient["id"])


def test_fixtures_are_the_published_examples_and_valid_r4():
    assert len(EXAMPLES) >= 5
    for name in EXAMPLES:
        example = _example(name)
        assert example["resourceType"] == "CarePlan"
        assert example["id"] in name
        assert schema_errors(example) == [], name


@pytest.mark.parametrize("name", EXAMPLES)
async def test_published_example_round_trips_unchanged(ehr, name):
    sent = _adapt(_example(name), await _registered_patient(ehr))
    created = await _post(ehr, sent)
    assert created["meta"]["versionId"] == "1"

    r = await ehr.get(f"/CarePlan/{created['id']}")
    assert r.status_code == 200, r.text
    stored = r.json()
    assert stored["id"] == created["id"]
    assert _clinical(stored) == _clinical(sent)
    assert schema_errors(stored) == []


@pytest.mark.parametrize("name", EXAMPLES)
async def test_published_example_passes_validate_without_being_stored(ehr, name):
    sent = _adapt(_example(name), await _registered_patient(ehr))
    r = await ehr.post(
        "/CarePlan/$validate",
        content=json.dumps(sent),
        headers={"content-type": "application/fhir+json"},
    )
    assert r.status_code == 200, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert not [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
    patient = sent["subject"]["reference"].split("/")[1]
    found = await ehr.get("/CarePlan", params={"patient": patient})
    assert found.json()["total"] == 0
