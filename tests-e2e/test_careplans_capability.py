"""The careplans CapabilityStatement, held to its word: every interaction, search parameter,
include, conditional interaction and operation it lists for CarePlan, CareTeam, Goal, Flag,
Patient and AuditEvent is done here by an ordinary HTTP client through the gateway, and must
work; interactions it does not list must be refused. The table is read from GET /fhir/metadata,
so a newly listed interaction with no exerciser below fails the suite."""

import json
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e
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


Check = Callable[[World, str, str], Awaitable[None]]


@pytest.fixture
async def world(stack, token_for) -> World:
    base = stack.config.service_url("gateway") + "/fhir"
    ehr = token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG)
    ops = token_for("ops", scopes="system/AuditEvent.rs")
    admin = token_for("admin", "ops", scopes="system/*.cruds", organisation="cch-platform")
    async with (
        httpx.AsyncClient(base_url=base, headers=_auth(ehr), timeout=30) as client,
        httpx.AsyncClient(base_url=base, headers=_auth(ops), timeout=30) as auditor,
        httpx.AsyncClient(base_url=base, headers=_auth(admin), timeout=30) as everything,
    ):
        world = await make_world(client, auditor)
        world.admin = everything
        yield world


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/fhir+json"}


def _resources(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rest = statement["rest"][0]
    return {r["type"]: r for r in rest["resource"] if r["type"] in OWNED}


def listed(statement: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, kind, detail) for everything the statement promises for the careplans types."""
    items: list[tuple[str, str, str]] = []
    for rtype, entry in _resources(statement).items():
        items += [(rtype, i["code"], "") for i in entry.get("interaction", [])]
        items += [(rtype, "search", p["name"]) for p in entry.get("searchParam", [])]
        items += [(rtype, "_include", v) for v in entry.get("searchInclude", [])]
        items += [(rtype, "_revinclude", v) for v in entry.get("searchRevInclude", [])]
        items += [(rtype, "operation", o["name"]) for o in entry.get("operation", [])]
        if entry.get("conditionalCreate"):
            items.append((rtype, "conditional-create", ""))
        if entry.get("conditionalUpdate"):
            items.append((rtype, "conditional-update", ""))
        for flag in ("conditionalRead", "conditionalDelete"):
            if entry.get(flag, "not-supported") != "not-supported":
                items.append((rtype, flag, entry[flag]))
    return items


# --- the exercisers: each does one listed thing as an EHR would and asserts it worked --------


async def _read(w: World, rtype: str, _: str) -> None:
    rid = w.ids[rtype]
    r = await w.client_for(rtype).get(f"/{rtype}/{rid}")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == rid
    # ETag on read is a SHOULD in R4; types clients update with If-Match must send it
    etag, version = r.headers.get("etag"), r.json().get("meta", {}).get("versionId")
    if etag is not None or rtype != "AuditEvent":
        assert etag == f'W/"{version}"', etag


async def _vread(w: World, rtype: str, _: str) -> None:
    r = await w.client.get(f"/{rtype}/{w.ids[rtype]}/_history/1")
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["versionId"] == "1"


async def _history_instance(w: World, rtype: str, _: str) -> None:
    rid = (await fresh(w, rtype))["id"]
    await update_of(w, rtype, rid)
    r = await w.client.get(f"/{rtype}/{rid}/_history")
    assert r.status_code == 200, r.text
    bundle = r.json()
    assert bundle["type"] == "history"
    assert [e["resource"]["meta"]["versionId"] for e in bundle["entry"]] == ["2", "1"]


async def _history_type(w: World, rtype: str, _: str) -> None:
    rid = (await fresh(w, rtype))["id"]
    r = await w.client.get(f"/{rtype}/_history", params={"_count": "50"})
    assert r.status_code == 200, r.text
    assert r.json()["type"] == "history"
    assert rid in {e["resource"]["id"] for e in r.json()["entry"]}


async def _create(w: World, rtype: str, _: str) -> None:
    created = await fresh(w, rtype)
    assert created["meta"]["versionId"] == "1"
    r = await w.client.get(f"/{rtype}/{created['id']}")
    assert r.status_code == 200 and r.json() == created


async def _update(w: World, rtype: str, _: str) -> None:
    rid = (await fresh(w, rtype))["id"]
    updated = await update_of(w, rtype, rid)
    assert updated["meta"]["versionId"] == "2"
    assert (await w.client.get(f"/{rtype}/{rid}")).json() == updated


async def _patch(w: World, rtype: str, _: str) -> None:
    created = await fresh(w, rtype)
    ops = [{"op": "add", "path": "/language", "value": "en-GB"}]
    r = await w.client.patch(
        f"/{rtype}/{created['id']}",
        content=json.dumps(ops),
        headers={"content-type": "application/json-patch+json", "if-match": 'W/"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["language"] == "en-GB" and r.json()["meta"]["versionId"] == "2"


async def _delete(w: World, rtype: str, _: str) -> None:
    rid = (await fresh(w, rtype))["id"]
    r = await w.client.delete(f"/{rtype}/{rid}")
    assert r.status_code in (200, 204), r.text
    gone = await w.client.get(f"/{rtype}/{rid}")
    assert gone.status_code == 410, gone.text
    assert (await w.client.get(f"/{rtype}/{rid}/_history/1")).status_code == 200


async def _search_type(w: World, rtype: str, _: str) -> None:
    r = await w.client_for(rtype).get(f"/{rtype}", params={"_count": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["type"] == "searchset"


async def _search_param(w: World, rtype: str, name: str) -> None:
    case = search_cases(w, rtype)[name]  # KeyError: listed but not exercised
    client = w.client_for(rtype)
    hit = await client.get(f"/{rtype}", params={**case.narrow, name: case.match, "_count": "100"})
    assert hit.status_code == 200, hit.text
    assert not [i for i in _outcome_issues(hit.json()) if "unknown" in json.dumps(i).lower()]
    assert case.expected in _match_ids(hit.json()), f"{name}={case.match} missed it"
    miss = await client.get(f"/{rtype}", params={**case.narrow, name: case.miss, "_count": "100"})
    assert miss.status_code == 200, miss.text
    assert case.expected not in _match_ids(miss.json()), f"{name}={case.miss} still found it"


async def _include(w: World, rtype: str, value: str) -> None:
    _, param = value.split(":", 1)
    target = {"care-team": "CareTeam", "goal": "Goal", "subject": "Patient", "patient": "Patient"}
    wanted = f"{target[param]}/{w.ids[target[param]]}"
    r = await w.client.get(f"/{rtype}", params={"_id": w.ids[rtype], "_include": value})
    assert r.status_code == 200, r.text
    assert wanted in _included(r.json()), f"{value} did not include {wanted}"


async def _revinclude(w: World, rtype: str, value: str) -> None:
    r = await w.client.get(f"/{rtype}", params={"_id": w.ids[rtype], "_revinclude": value})
    assert r.status_code == 200, r.text
    assert f"Flag/{w.ids['Flag']}" in _included(r.json()), f"{value} did not include the Flag"


async def _validate(w: World, rtype: str, _: str) -> None:
    body = w.body(rtype)
    ok = await w.client.post(f"/{rtype}/$validate", content=json.dumps(body), headers=FHIR_JSON)
    assert ok.status_code == 200, ok.text
    assert not [i for i in ok.json()["issue"] if i["severity"] in ("error", "fatal")]
    bad = await w.client.post(
        f"/{rtype}/$validate", content=json.dumps({**body, "id": 7}), headers=FHIR_JSON
    )
    assert bad.status_code in (400, 422), bad.text
    assert any(i["severity"] == "error" for i in bad.json()["issue"])


async def _conditional_create(w: World, rtype: str, _: str) -> None:
    body, query = w.identified_body(rtype)
    first = await w.client.post(
        f"/{rtype}", content=json.dumps(body), headers={**FHIR_JSON, "if-none-exist": query}
    )
    assert first.status_code == 201, first.text
    await on_our_team(w, rtype, first.json()["id"])
    again = await w.client.post(
        f"/{rtype}", content=json.dumps(body), headers={**FHIR_JSON, "if-none-exist": query}
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]


async def _conditional_update(w: World, rtype: str, _: str) -> None:
    body, query = w.identified_body(rtype)
    created = await w.client.put(f"/{rtype}?{query}", content=json.dumps(body), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    await on_our_team(w, rtype, created.json()["id"])
    changed = {**w.changed(rtype, created.json()), "id": created.json()["id"]}
    updated = await w.client.put(
        f"/{rtype}?{query}",
        content=json.dumps(changed),
        headers={**FHIR_JSON, "if-match": 'W/"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["meta"]["versionId"] == "2"


EXERCISERS: dict[str, Check] = {
    "read": _read,
    "vread": _vread,
    "history-instance": _history_instance,
    "history-type": _history_type,
    "create": _create,
    "update": _update,
    "patch": _patch,
    "delete": _delete,
    "search-type": _search_type,
    "search": _search_param,
    "_include": _include,
    "_revinclude": _revinclude,
    "conditional-create": _conditional_create,
    "conditional-update": _conditional_update,
}
OPERATIONS: dict[str, Check] = {"validate": _validate}


def _exerciser(kind: str, detail: str) -> Check | None:
    return OPERATIONS.get(detail) if kind == "operation" else EXERCISERS.get(kind)


def _outcome_issues(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        issue
        for e in bundle.get("entry", [])
        if e.get("search", {}).get("mode") == "outcome"
        for issue in e["resource"]["issue"]
    ]


def _match_ids(bundle: dict[str, Any]) -> set[str]:
    return {
        e["resource"]["id"]
        for e in bundle.get("entry", [])
        if e.get("search", {}).get("mode", "match") == "match"
    }


def _included(bundle: dict[str, Any]) -> set[str]:
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle.get("entry", [])
        if e.get("search", {}).get("mode") == "include"
    }


async def test_every_listed_interaction_works_for_an_ordinary_client(world):
    r = await world.client.get("/metadata")
    assert r.status_code == 200 and r.json()["fhirVersion"] == "4.0.1"
    promised = listed(r.json())
    assert {t for t, _, _ in promised} == set(OWNED)
    unexercised = [p for p in promised if _exerciser(p[1], p[2]) is None]
    failures: list[str] = []
    for rtype, kind, detail in promised:
        check = _exerciser(kind, detail)
        if check is None:
            continue
        try:
            await check(world, rtype, detail)
        except (AssertionError, KeyError) as exc:
            failures.append(f"{rtype} {kind} {detail}: {type(exc).__name__} {exc}".strip())
    assert not unexercised, f"listed in /metadata but not exercised here: {unexercised}"
    assert not failures, "listed but not working:\n" + "\n".join(failures)


async def test_interactions_not_listed_are_refused(world):
    statement = (await world.client.get("/metadata")).json()
    resources = _resources(statement)
    accepted: list[str] = []
    for rtype in OWNED:
        codes = {i["code"] for i in resources[rtype].get("interaction", [])}
        for code in STANDARD:
            if code in codes:
                continue
            status = await _attempt(world, rtype, code)
            if status not in (404, 405):
                accepted.append(f"{rtype} {code} -> {status}")
    assert not accepted, f"working but not listed in /metadata: {accepted}"


async def _attempt(w: World, rtype: str, code: str) -> int:
    """Try one interaction the statement does not list; the HTTP status the client gets."""
    client, rid = w.admin or w.client, w.ids[rtype]
    body = json.dumps(w.body(rtype) if rtype != "AuditEvent" else {"resourceType": rtype})
    calls: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
        "read": lambda: client.get(f"/{rtype}/{rid}"),
        "vread": lambda: client.get(f"/{rtype}/{rid}/_history/1"),
        "update": lambda: client.put(f"/{rtype}/{rid}", content=body, headers=FHIR_JSON),
        "patch": lambda: client.patch(
            f"/{rtype}/{rid}",
            content=json.dumps([{"op": "add", "path": "/language", "value": "en"}]),
            headers={"content-type": "application/json-patch+json"},
        ),
        "delete": lambda: client.delete(f"/{rtype}/{rid}"),
        "history-instance": lambda: client.get(f"/{rtype}/{rid}/_history"),
        "history-type": lambda: client.get(f"/{rtype}/_history"),
        "create": lambda: client.post(f"/{rtype}", content=body, headers=FHIR_JSON),
        "search-type": lambda: client.get(f"/{rtype}"),
    }
    return (await calls[code]()).status_code


async def test_gateway_publishes_exactly_what_careplans_promises(stack, token_for):
    """The gateway's merged /metadata carries careplans' own per-type promises unchanged."""
    token = token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG)
    async with httpx.AsyncClient(headers=_auth(token), timeout=30) as client:
        own = await client.get(stack.config.service_url("careplans") + "/fhir/metadata")
        merged = await client.get(stack.config.service_url("gateway") + "/fhir/metadata")
    assert own.json()["fhirVersion"] == merged.json()["fhirVersion"] == "4.0.1"
    assert _resources(own.json()) == _resources(merged.json())
