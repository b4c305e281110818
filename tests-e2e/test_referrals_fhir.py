"""An EHR's unmodified FHIR client (fhirpy) sends, finds and updates referrals via the gateway."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fhirpy import AsyncFHIRClient
from fhirpy.base.exceptions import MultipleResourcesFound, OperationOutcome

pytestmark = pytest.mark.e2e
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ROUTE = "https://cch.example.nhs.uk/CodeSystem/referral-route"
REFERRER = "https://gp.example.nhs.uk/Id/referral"


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def _client(stack, token_for, **extra) -> AsyncFHIRClient:
    token = token_for("ehr-system", scopes="system/ServiceRequest.cruds")
    return AsyncFHIRClient(
        stack.config.service_url("gateway") + "/fhir", authorization="Bearer " + token, **extra
    )


def _referral(fhir: AsyncFHIRClient, nhs: str, *, route: str = "gp"):
    return fhir.resource(
        "ServiceRequest",
        identifier=[{"system": REFERRER, "value": uuid.uuid4().hex}],
        status="active",
        intent="order",
        category=[{"coding": [{"system": ROUTE, "code": route}]}],
        priority="routine",
        subject={"identifier": {"system": NHS, "value": nhs}},
        authoredOn=(datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        requester={"reference": "Practitioner/gp-e2e"},
        reasonCode=[{"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}],
    )


async def test_ehr_creates_searches_and_updates_referrals_with_fhirpy(stack, token_for):
    fhir = _client(stack, token_for)
    first, second = _nhs_number(), _nhs_number()
    referral = _referral(fhir, first)
    await referral.save()
    assert referral["meta"]["versionId"] == "1" and referral["status"] == "active"
    await _referral(fhir, second, route="self").save()

    found = await (
        fhir.resources("ServiceRequest").search(**{"patient:identifier": f"{NHS}|{first}"}).fetch()
    )
    assert [r["id"] for r in found] == [referral["id"]]
    gp_only = await (
        fhir.resources("ServiceRequest")
        .search(requester="Practitioner/gp-e2e", category="gp")
        .fetch_all()
    )
    assert referral["id"] in [r["id"] for r in gp_only]

    with_patient = await (
        fhir.resources("ServiceRequest")
        .search(**{"patient:identifier": f"{NHS}|{first}"})
        .include("ServiceRequest", "patient")
        .fetch_raw()
    )
    modes = {e["search"]["mode"]: e for e in with_patient["entry"]}
    assert modes["match"]["resource"]["id"] == referral["id"]
    patient = modes["include"]["resource"]
    assert patient["resourceType"] == "Patient"
    assert {"system": NHS, "value": first} in patient["identifier"]
    gateway = stack.config.service_url("gateway")
    assert modes["include"]["fullUrl"] == f"{gateway}/fhir/Patient/{patient['id']}"

    bad = _referral(fhir, "1234567890")
    with pytest.raises(OperationOutcome):
        await bad.save()

    pinned = _client(stack, token_for, extra_headers={"If-Match": 'W/"1"'})
    held = pinned.resource("ServiceRequest", **{**referral.serialize(), "status": "on-hold"})
    await held.save()
    assert held["meta"]["versionId"] == "2" and held["status"] == "on-hold"
    stale = pinned.resource("ServiceRequest", **{**referral.serialize(), "status": "revoked"})
    with pytest.raises(MultipleResourcesFound):  # fhirpy's name for HTTP 412
        await stale.save()
    current = await fhir.reference("ServiceRequest", referral["id"]).to_resource()
    assert current["status"] == "on-hold" and current["meta"]["versionId"] == "2"
