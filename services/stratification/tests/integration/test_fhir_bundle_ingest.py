"""FHIR transaction Bundles load Patient, Condition and Encounter with the bulk files' rules."""

import json

import pytest

from cch_devstack.testing import service_app
from cch_fhir.schema import schema_errors
from stratification.main import create_app

pytestmark = pytest.mark.integration
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
FHIR = "application/fhir+json"


def _bundle(practice: str, nhs: str, *, onset: str = "2024-02-10", klass: str = "EMER") -> dict:
    ref = f"urn:uuid:{nhs}"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": ref,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": NHS, "value": nhs}],
                    "birthDate": "1941-07-19",
                    "gender": "male",
                    "generalPractitioner": [{"identifier": {"system": ODS, "value": practice}}],
                    "address": [{"postalCode": "SY3 8XL"}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": ref},
                    "code": {"coding": [{"system": ICD10, "code": "J44.9"}]},
                    "onsetDateTime": onset,
                },
                "request": {"method": "POST", "url": "Condition"},
            },
            {
                "resource": {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "class": {"code": klass},
                    "subject": {"reference": ref},
                    "period": {"start": "2024-11-02T10:15:00Z"},
                    "reasonCode": [{"coding": [{"system": ICD10, "code": "J44.1"}]}],
                },
                "request": {"method": "POST", "url": "Encounter"},
            },
        ],
    }


async def test_a_transaction_bundle_registers_the_patient_and_records_their_activity(
    infra, county, token_for
):
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}", "content-type": FHIR}
    practice = str(county.practice_codes()[0])
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        posted = await client.post("/fhir", json=_bundle(practice, "9434765838"), headers=ehr)
        assert posted.status_code == 200, posted.text
        reply = posted.json()
        assert reply["type"] == "transaction-response" and schema_errors(reply) == []
        assert [e["response"]["status"] for e in reply["entry"]] == ["201 Created"] * 3
        job = await client.get(posted.headers["x-ingest-job"], headers=ehr)
        assert job.json()["state"] == "completed" and job.json()["rows_loaded"] == 3

        # the same Bundle again: the patient is updated, the activity is already there
        again = await client.post(
            "/ingest/fhir-bundle", json=_bundle(practice, "9434765838"), headers=ehr
        )
        assert again.status_code == 422
        issues = again.json()["issue"]
        assert {i["expression"][0] for i in issues} == {
            "Bundle.entry[1].resource",
            "Bundle.entry[2].resource",
        }
        assert all("already stored" in i["diagnostics"] for i in issues)

        moved = _bundle(practice, "9434765838", onset="2024-05-01", klass="AMB")
        moved["type"] = "batch"
        updated = await client.post("/fhir", json=moved, headers=ehr)
        assert updated.status_code == 200, updated.text
        assert updated.json()["type"] == "batch-response"
        assert [e["response"]["status"] for e in updated.json()["entry"]] == [
            "200 OK",
            "201 Created",
            "201 Created",
        ]


async def test_a_bundle_with_bad_entries_is_rejected_whole_naming_each(infra, county, token_for):
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}", "content-type": FHIR}
    practice = str(county.practice_codes()[0])
    bad = _bundle(practice, "9434765846", onset="2999-01-01")
    bad["entry"][2]["resource"]["class"] = {"code": "HH"}
    bad["entry"].append({"resource": {"resourceType": "Observation", "status": "final"}})
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        rejected = await client.post("/fhir", json=bad, headers=ehr)
        assert rejected.status_code == 422
        outcome = rejected.json()
        assert outcome["resourceType"] == "OperationOutcome" and schema_errors(outcome) == []
        named = {
            (i["expression"][0], i["diagnostics"].split(" (value")[0]) for i in outcome["issue"]
        }
        assert named == {
            ("Bundle.entry[1].resource.onsetDateTime", "entry 1: in the future"),
            ("Bundle.entry[2].resource.class.code", "entry 2: not one of ['AMB', 'EMER', 'IMP']"),
            (
                "Bundle.entry[3].resource.resourceType",
                "entry 3: not one of ['Condition', 'Encounter', 'Patient']",
            ),
        }
        # nothing was stored: the good patient in that Bundle is still new
        good = await client.post("/fhir", json=_bundle(practice, "9434765846"), headers=ehr)
        assert good.status_code == 200, good.text
        assert good.json()["entry"][0]["response"]["status"] == "201 Created"


async def test_malformed_oversized_or_wrong_bundles_get_an_operation_outcome(
    infra, county, token_for
):
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}", "content-type": FHIR}
    practice = str(county.practice_codes()[0])
    async with service_app(
        infra,
        "stratification",
        create_app,
        STRATIFICATION_SCHEDULE_RUNS="false",
        STRATIFICATION_MAX_BUNDLE_BYTES="4000",
    ) as client:
        broken = await client.post("/fhir", content=b'{"resourceType": "Bundle",', headers=ehr)
        assert broken.status_code == 400 and broken.json()["resourceType"] == "OperationOutcome"
        patient = await client.post(
            "/fhir", json={"resourceType": "Patient", "gender": "male"}, headers=ehr
        )
        assert patient.status_code == 400
        assert patient.json()["issue"][0]["expression"] == ["Bundle.resourceType"]
        collection = {**_bundle(practice, "9434765854"), "type": "collection"}
        assert (await client.post("/fhir", json=collection, headers=ehr)).status_code == 400
        big = _bundle(practice, "9434765854")
        big["entry"] *= 20
        too_big = await client.post("/fhir", content=json.dumps(big).encode(), headers=ehr)
        assert too_big.status_code == 413 and too_big.json()["issue"][0]["code"] == "too-costly"
        xml = await client.post(
            "/fhir", content=b"<Bundle/>", headers={**ehr, "content-type": "application/xml"}
        )
        assert xml.status_code == 415
        clinician = {"authorization": f"Bearer {token_for('clinician')}", "content-type": FHIR}
        denied = await client.post("/fhir", json=_bundle(practice, "9434765854"), headers=clinician)
        assert denied.status_code == 403
        metadata = (await client.get("/fhir/metadata", headers=ehr)).json()
        assert {i["code"] for i in metadata["rest"][0]["interaction"]} == {"transaction", "batch"}
