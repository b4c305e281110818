"""An EHR loads activity through the platform's one FHIR base: the Bundle reaches stratification."""

import httpx

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
FHIR = "application/fhir+json"


def bundle_with_a_bad_nhs_number() -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b8f1c9e-4a55-4cc1-9d44-3f0e4f6b2a01",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": NHS, "value": "9434765839"}],  # fails Modulus 11
                    "birthDate": "1941-07-19",
                    "gender": "male",
                    "generalPractitioner": [{"identifier": {"system": ODS, "value": "M82001"}}],
                },
                "request": {"method": "POST", "url": "Patient"},
            }
        ],
    }


async def test_the_one_fhir_base_takes_transaction_bundles_and_says_so(gateway_url, token_for):
    headers = {"authorization": f"Bearer {token_for('ehr-system', organisation='cch-platform')}"}
    async with httpx.AsyncClient(base_url=gateway_url, headers=headers) as client:
        metadata = (await client.get("/fhir/metadata")).json()
        posted = await client.post(
            "/fhir", json=bundle_with_a_bad_nhs_number(), headers={"content-type": FHIR}
        )
    assert {"batch", "transaction"} <= {i["code"] for i in metadata["rest"][0]["interaction"]}
    assert posted.status_code == 422
    outcome = posted.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any("9434765839" in (i.get("diagnostics") or "") for i in outcome["issue"]), outcome
