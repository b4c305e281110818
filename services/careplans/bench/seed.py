"""Seeds the P2 bench through the FHIR API: patients, their CareTeam and integrated CarePlans."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

NHS = "https://fhir.nhs.uk/Id/nhs-number"
KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
SCT = "http://snomed.info/sct"
SCREENING = [
    ("falls", "Falls risk screening"),
    ("dementia", "Dementia screening"),
    ("medicines", "Structured medication review"),
    ("end-of-life", "End of life conversation"),
]


@dataclass
class Seeded:
    patients: list[str] = field(default_factory=list)
    plan_ids: list[str] = field(default_factory=list)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    read_back: dict[str, str] = field(default_factory=dict)  # id -> JSON text as served


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [9, 4, *(rng.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def care_plan(patient: str, team: str, n: int) -> dict[str, Any]:
    """An integrated plan of realistic size: four screening activities and a note."""
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": f"Integrated care plan {n}",
        "description": "Shared plan agreed at the multidisciplinary team meeting.",
        "category": [{"coding": [{"system": KIND, "code": "integrated"}]}],
        "subject": {"reference": f"Patient/{patient}"},
        "careTeam": [{"reference": f"CareTeam/{team}"}],
        "period": {"start": "2026-01-05", "end": "2026-07-05"},
        "activity": [
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {"coding": [{"system": KIND, "code": code}], "text": text},
                    "status": "scheduled",
                    "description": f"{text} at the next contact",
                }
            }
            for code, text in SCREENING
        ],
        "note": [{"text": "Patient prefers morning visits; daughter is the main carer."}],
    }


async def _post(s: aiohttp.ClientSession, url: str, body: dict[str, Any], h: dict[str, str]) -> str:
    async with s.post(url, data=json.dumps(body), headers=h) as r:
        if r.status != 201:
            raise RuntimeError(f"seeding {body['resourceType']}: {r.status} {await r.text()}")
        created: dict[str, Any] = await r.json(content_type=None)
        return str(created["id"])


async def seed_plans(
    base: str, headers: dict[str, str], *, organisation: str, patients: int, per_patient: int
) -> Seeded:
    """The EHR's organisation manages each CareTeam, so its system token reaches the patients."""
    rng = random.Random(uuid.uuid4().int)
    h = {**headers, "content-type": "application/fhir+json"}
    seeded = Seeded()
    async with aiohttp.ClientSession() as s:

        async def one_patient() -> None:
            patient = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": ""}]}
            patient["identifier"][0]["value"] = nhs_number(rng)
            pid = await _post(s, f"{base}/fhir/Patient", patient, h)
            team = {
                "resourceType": "CareTeam",
                "status": "active",
                "subject": {"reference": f"Patient/{pid}"},
                "participant": [
                    {
                        "member": {"reference": f"Practitioner/pr-{uuid.uuid4().hex[:8]}"},
                        "onBehalfOf": {"reference": f"Organization/{organisation}"},
                    }
                ],
                "managingOrganization": [{"reference": f"Organization/{organisation}"}],
            }
            tid = await _post(s, f"{base}/fhir/CareTeam", team, h)
            seeded.patients.append(pid)
            for n in range(per_patient):
                body = care_plan(pid, tid, n)
                rid = await _post(s, f"{base}/fhir/CarePlan", body, h)
                seeded.plan_ids.append(rid)
                seeded.bodies[rid] = body

        for start in range(0, patients, 8):
            await asyncio.gather(*(one_patient() for _ in range(min(8, patients - start))))
        for rid in seeded.plan_ids:
            async with s.get(f"{base}/fhir/CarePlan/{rid}", headers=headers) as r:
                seeded.read_back[rid] = await r.text()
    return seeded
