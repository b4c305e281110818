"""What the careplans CapabilityStatement promises, and one exerciser per kind of promise: each
does the listed thing as an ordinary EHR client would, through the gateway, and asserts it
worked (used by tests-e2e/test_careplans_capability.py)."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from careplans_capability_world import (
    FHIR_JSON,
    OWNED,
    World,
    fresh,
    on_our_team,
    search_cases,
    update_of,
)

Check = Callable[[World, str, str], Awaitable[None]]


def resources_of(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rest = statement["rest"][0]
    return {r["type"]: r for r in rest["resource"] if r["type"] in OWNED}


def listed(statement: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, kind, detail) for everything the statement promises for the careplans types."""
    items: list[tuple[str, str, str]] = []
    for rtype, entry in resources_of(statement).items():
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
    # every type is listed as versioned: the ETag is the version the body carries
    etag, version = r.headers.get("etag"), r.json().get("meta", {}).get("versionId")
    assert version is not None and etag == f'W/"{version}"', etag


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


async def _validate_at_base(w: World, rtype: str, _: str) -> None:
    """$validate posted to the base: the body's resourceType says what to validate."""
    body = w.body(rtype)
    ok = await w.client.post("/$validate", content=json.dumps(body), headers=FHIR_JSON)
    assert ok.status_code == 200, ok.text
    assert not [i for i in ok.json()["issue"] if i["severity"] in ("error", "fatal")]
    bad = await w.client.post(
        "/$validate", content=json.dumps({**body, "id": 7}), headers=FHIR_JSON
    )
    assert bad.status_code in (400, 422), bad.text


SYSTEM_OPERATIONS: dict[str, Check] = {"validate": _validate_at_base}


def exerciser(kind: str, detail: str) -> Check | None:
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
