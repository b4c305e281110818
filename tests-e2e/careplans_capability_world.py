"""The shared record the careplans capability tests (test_careplans_capability.py) work on:
one patient's Patient, CareTeam, Goal, CarePlan and Flag made through the gateway as a GP
practice's EHR would, a second patient's for misses, and per search parameter a value that must
find the record and one that must not."""

import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

OWNED = ("CarePlan", "CareTeam", "Goal", "Flag", "Patient", "AuditEvent")
STANDARD = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)
FHIR_JSON = {"content-type": "application/fhir+json"}
NHS = "https://fhir.nhs.uk/Id/nhs-number"
KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT = "https://cch.example.nhs.uk/CodeSystem/alert-kind"
IDS = "https://gp.example.nhs.uk/Id/record"  # the EHR's own business identifiers
LOINC = "http://loinc.org"
GOAL_CATEGORY = "http://terminology.hl7.org/CodeSystem/goal-category"
EHR_ORG = "M85005"  # the GP practice (ODS code) whose EHR system holds the token


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


@dataclass
class SearchCase:
    match: str
    miss: str
    expected: str  # the id the matching value must find and the missing value must not
    narrow: dict[str, str]


@dataclass
class World:
    """One patient's shared record made through the API, and a second patient's for misses."""

    client: httpx.AsyncClient  # the GP practice's EHR system
    auditor: httpx.AsyncClient  # the ops role reading AuditEvents
    admin: httpx.AsyncClient | None = None  # every scope: a refusal is the server's, not a scope's
    practitioner: str = field(default_factory=lambda: f"pr-{uuid.uuid4().hex[:8]}")
    ids: dict[str, str] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)
    nhs: str = ""
    part: str = ""  # an Emergency Care Plan that is partOf the main plan
    audit_subtype: str = ""

    def client_for(self, rtype: str) -> httpx.AsyncClient:
        return self.auditor if rtype == "AuditEvent" else self.client

    def body(self, rtype: str, ids: dict[str, str] | None = None) -> dict[str, Any]:
        """A new, valid resource of the type for the record's patient."""
        ids = self.ids if ids is None else ids
        subject = {"reference": f"Patient/{ids.get('Patient', '')}"}
        ident = [{"system": IDS, "value": uuid.uuid4().hex}]
        if rtype == "Patient":
            return {
                "resourceType": "Patient",
                "identifier": [{"system": NHS, "value": _nhs_number()}],
            }
        org = {"reference": f"Organization/{EHR_ORG}"}
        bodies: dict[str, dict[str, Any]] = {
            "CareTeam": {
                "status": "active",
                "category": [{"coding": [{"system": LOINC, "code": "LA27976-2"}]}],
                "subject": subject,
                "participant": [
                    {
                        "member": {"reference": f"Practitioner/{self.practitioner}"},
                        "onBehalfOf": org,
                    }
                ],
                "managingOrganization": [org],
            },
            "Goal": {
                "lifecycleStatus": "active",
                "category": [{"coding": [{"system": GOAL_CATEGORY, "code": "behavioral"}]}],
                "description": {"text": "Walks to the shop and back each day"},
                "subject": subject,
            },
            "CarePlan": {
                "status": "active",
                "intent": "plan",
                "title": "Integrated care plan",
                "category": [{"coding": [{"system": KIND, "code": "integrated"}]}],
                "subject": subject,
                "careTeam": [{"reference": f"CareTeam/{ids.get('CareTeam')}"}],
                "goal": [{"reference": f"Goal/{ids['Goal']}"}] if "Goal" in ids else [],
                "period": {"start": "2026-01-05", "end": "2026-07-05"},
            },
            "Flag": {
                "status": "active",
                "category": [{"coding": [{"system": ALERT, "code": "dnar"}]}],
                "code": {
                    "coding": [{"system": ALERT, "code": "dnar"}],
                    "text": "Do not attempt CPR",
                },
                "subject": subject,
                "period": {"start": "2026-01-05"},
            },
        }
        body = {k: v for k, v in bodies[rtype].items() if v != []}
        return {"resourceType": rtype, "identifier": ident, **body}

    def identified_body(self, rtype: str) -> tuple[dict[str, Any], str]:
        """A new resource and the `identifier=` query that finds exactly it."""
        body = self.body(rtype)
        ident = body["identifier"][0]
        return body, f"identifier={ident['system']}|{ident['value']}"

    def changed(self, rtype: str, current: dict[str, Any]) -> dict[str, Any]:
        return {**current, "language": "en-GB"}


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/{body['resourceType']}", content=json.dumps(body), headers=FHIR_JSON)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def fresh(w: World, rtype: str) -> dict[str, Any]:
    created = await _post(w.client, w.body(rtype))
    await on_our_team(w, rtype, created["id"])
    return created


async def on_our_team(w: World, rtype: str, rid: str) -> None:
    """A new Patient is only an identity: the EHR reaches it once its organisation is on the
    patient's CareTeam (need-to-know), so the EHR registers that team as it would."""
    if rtype == "Patient":
        await _post(w.client, w.body("CareTeam", {"Patient": rid}))


async def update_of(w: World, rtype: str, rid: str) -> dict[str, Any]:
    current = (await w.client.get(f"/{rtype}/{rid}")).json()
    r = await w.client.put(
        f"/{rtype}/{rid}",
        content=json.dumps(w.changed(rtype, current)),
        headers={**FHIR_JSON, "if-match": f'W/"{current["meta"]["versionId"]}"'},
    )
    assert r.status_code == 200, r.text
    updated: dict[str, Any] = r.json()
    return updated


async def _record(w: World, ids: dict[str, str]) -> None:
    for rtype in ("Patient", "CareTeam", "Goal", "CarePlan", "Flag"):
        ids[rtype] = (await _post(w.client, w.body(rtype, ids)))["id"]


async def make_world(client: httpx.AsyncClient, auditor: httpx.AsyncClient) -> World:
    w = World(client, auditor)
    await _record(w, w.ids)
    await _record(w, w.other)
    for rtype in ("Patient", "CareTeam", "Goal", "CarePlan", "Flag"):
        current = (await client.get(f"/{rtype}/{w.ids[rtype]}")).json()  # audited reads
        w.identifiers[rtype] = current["identifier"][0]["value"]
    w.nhs = w.identifiers["Patient"]
    part = {**w.body("CarePlan"), "partOf": [{"reference": f"CarePlan/{w.ids['CarePlan']}"}]}
    part["category"] = [{"coding": [{"system": KIND, "code": "emergency"}]}]
    w.part = (await _post(client, part))["id"]
    r = await auditor.get("/AuditEvent", params={"entity": f"CarePlan/{w.ids['CarePlan']}"})
    assert r.status_code == 200, r.text
    event = r.json()["entry"][0]["resource"]
    w.ids["AuditEvent"] = event["id"]
    coding = event["subtype"][0]
    w.audit_subtype = f"{coding['system']}|{coding['code']}"
    return w


def search_cases(w: World, rtype: str) -> dict[str, SearchCase]:
    """Per search parameter: a value that must find the record's resource, one that must not."""
    rid, other = w.ids[rtype], w.other
    by_id = {"_id": rid}

    def case(
        match: str, miss: str, expected: str = rid, narrow: dict[str, str] = by_id
    ) -> SearchCase:
        return SearchCase(match, miss, expected, narrow)

    pid, opid = f"Patient/{w.ids['Patient']}", f"Patient/{other['Patient']}"
    common = {
        "_id": case(rid, f"no-such-{uuid.uuid4().hex[:8]}", narrow={}),
        "_lastUpdated": case("ge2000-01-01", "lt2000-01-01"),
        "identifier": case(f"{IDS}|{w.identifiers.get(rtype)}", f"{IDS}|nope"),
        "patient": case(pid, opid),
        "subject": case(pid, opid),
    }
    specific: dict[str, dict[str, SearchCase]] = {
        "Patient": {"identifier": case(f"{NHS}|{w.nhs}", f"{NHS}|{_nhs_number()}")},
        "CarePlan": {
            "status": case("active", "completed"),
            "intent": case("plan", "proposal"),
            "category": case(f"{KIND}|integrated", f"{KIND}|end-of-life"),
            "date": case("ge2026-01-01", "lt2000-01-01"),
            "care-team": case(f"CareTeam/{w.ids['CareTeam']}", f"CareTeam/{other['CareTeam']}"),
            "goal": case(f"Goal/{w.ids['Goal']}", f"Goal/{other['Goal']}"),
            "part-of": case(
                f"CarePlan/{rid}", f"CarePlan/{other['CarePlan']}", w.part, {"_id": w.part}
            ),
        },
        "CareTeam": {
            "status": case("active", "inactive"),
            "category": case(f"{LOINC}|LA27976-2", f"{LOINC}|LA28865-6"),
            "participant": case(f"Practitioner/{w.practitioner}", "Practitioner/nobody"),
        },
        "Goal": {
            "lifecycle-status": case("active", "completed"),
            "category": case(f"{GOAL_CATEGORY}|behavioral", f"{GOAL_CATEGORY}|dietary"),
        },
        "Flag": {
            "status": case("active", "inactive"),
            "category": case(f"{ALERT}|dnar", f"{ALERT}|allergy"),
            "code": case(f"{ALERT}|dnar", f"{ALERT}|safeguarding"),
            "date": case("ge2026-01-01", "lt2000-01-01"),
        },
        "AuditEvent": {
            "entity": case(
                f"CarePlan/{w.ids['CarePlan']}", f"CarePlan/{other['CarePlan']}", narrow={}
            ),
            "patient": case(pid, opid, narrow={"entity": f"CarePlan/{w.ids['CarePlan']}"}),
            "subtype": case(
                w.audit_subtype,
                "http://hl7.org/fhir/restful-interaction|batch",
                narrow={"entity": f"CarePlan/{w.ids['CarePlan']}"},
            ),
            "date": case(
                "ge2000-01-01", "lt2000-01-01", narrow={"entity": f"CarePlan/{w.ids['CarePlan']}"}
            ),
        },
    }
    if rtype == "AuditEvent":
        return specific["AuditEvent"]
    return {**common, **specific.get(rtype, {})}
