"""Builders for the FHIR integration tests: valid NHS numbers, patients, plans, headers."""

import itertools
import random

NHS = "https://fhir.nhs.uk/Id/nhs-number"
KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT = "https://cch.example.nhs.uk/CodeSystem/alert-kind"
ORG = "RXW"  # the community trust whose EHR the `system` fixture stands for
_rng = random.Random()
_seq = itertools.count()


def new_nhs_number() -> str:
    while True:
        digits = [9, 4, *(_rng.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def patient(nhs: str) -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": NHS, "value": nhs}]}


def care_plan(patient_id: str, kind: str = "integrated", **extra) -> dict:
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [{"system": KIND, "code": kind}]}],
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": "2026-01-01"},
        **extra,
    }


def care_team(patient_id: str, practitioner_id: str, organisation: str = ORG) -> dict:
    return {
        "resourceType": "CareTeam",
        "status": "active",
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [{"member": {"reference": f"Practitioner/{practitioner_id}"}}],
        "managingOrganization": [{"reference": f"Organization/{organisation}"}],
    }


async def post(client, headers, body) -> dict:
    r = await client.post(f"/fhir/{body['resourceType']}", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def patient_with_team(client, headers, practitioner: str, organisation: str = ORG):
    """(nhs number, Patient, CareTeam) with the practitioner and organisation on the team."""
    nhs = new_nhs_number()
    pat = await post(client, headers, patient(nhs))
    team = await post(client, headers, care_team(pat["id"], practitioner, organisation))
    return nhs, pat, team


def flag(patient_id: str, code: str) -> dict:
    return {
        "resourceType": "Flag",
        "status": "active",
        # an allergy alert names its substance
        "code": {"coding": [{"system": ALERT, "code": code}], "text": f"{code}: penicillin"},
        "subject": {"reference": f"Patient/{patient_id}"},
    }


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/fhir+json", **extra}
