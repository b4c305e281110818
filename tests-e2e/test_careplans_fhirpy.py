"""An EHR's unmodified third-party FHIR client (fhirpy) against the gateway's one FHIR base."""

import random
import uuid

import pytest
from fhirpy import AsyncFHIRClient
from fhirpy.base.exceptions import MultipleResourcesFound

pytestmark = pytest.mark.e2e
NHS = "https://fhir.nhs.uk/Id/nhs-number"
KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
EHR_ORG = "M85002"  # the GP practice (ODS code) whose EHR system holds the token


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


@pytest.fixture
def fhir(stack, token_for):
    token = token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG)
    return AsyncFHIRClient(
        stack.config.service_url("gateway") + "/fhir", authorization="Bearer " + token
    )


async def test_ehr_creates_searches_updates_with_conflict_and_reads_history(fhir, stack, token_for):
    nhs = _nhs_number()
    patient = fhir.resource("Patient", identifier=[{"system": NHS, "value": nhs}])
    await patient.save()
    team = fhir.resource(
        "CareTeam",
        status="active",
        subject=patient.to_reference(),
        participant=[
            {
                "member": {"reference": f"Practitioner/pr-{uuid.uuid4().hex[:6]}"},
                "onBehalfOf": {"reference": f"Organization/{EHR_ORG}"},
            }
        ],
        managingOrganization=[{"reference": f"Organization/{EHR_ORG}"}],
    )
    await team.save()
    for n in range(3):
        plan = fhir.resource(
            "CarePlan",
            status="active",
            intent="plan",
            title=f"plan {n}",
            category=[{"coding": [{"system": KIND, "code": "integrated"}]}],
            subject=patient.to_reference(),
            careTeam=[team.to_reference()],
        )
        await plan.save()
        assert plan["meta"]["versionId"] == "1"

    search = (
        fhir.resources("CarePlan")
        .search(**{"subject:identifier": f"{NHS}|{nhs}"})
        .include("CarePlan", "care-team")
        .limit(2)
    )
    first_page = await search.fetch_raw()
    assert first_page["total"] == 3
    kinds = [e["resource"]["resourceType"] for e in first_page["entry"]]
    assert kinds.count("CarePlan") == 2 and "CareTeam" in kinds
    everything = await search.fetch_all()
    assert len([r for r in everything if r.resource_type == "CarePlan"]) == 3

    plan["title"] = "agreed by the MDT"
    token = token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG)
    pinned = AsyncFHIRClient(
        stack.config.service_url("gateway") + "/fhir",
        authorization="Bearer " + token,
        extra_headers={"If-Match": 'W/"1"'},
    )
    mine = pinned.resource("CarePlan", **plan.serialize())
    await mine.save()
    assert mine["meta"]["versionId"] == "2"
    theirs = pinned.resource("CarePlan", **{**plan.serialize(), "title": "lost update"})
    with pytest.raises(MultipleResourcesFound):  # fhirpy's name for HTTP 412
        await theirs.save()

    history = await fhir.execute(f"CarePlan/{plan.id}/_history", method="get")
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    current = await fhir.reference("CarePlan", plan.id).to_resource()
    assert current["title"] == "agreed by the MDT"
