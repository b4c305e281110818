"""The careplans CapabilityStatement, held to its word: every interaction, search parameter,
include, conditional interaction and operation it lists for CarePlan, CareTeam, Goal, Flag,
Patient and AuditEvent is done here by an ordinary HTTP client through the gateway, and must
work; interactions it does not list must be refused. The table is read from GET /fhir/metadata,
so a newly listed interaction with no exerciser (careplans_capability_checks.py) fails the suite."""

import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
from careplans_capability_checks import SYSTEM_OPERATIONS, exerciser, listed, resources_of
from careplans_capability_world import EHR_ORG, FHIR_JSON, OWNED, STANDARD, World, make_world

pytestmark = pytest.mark.e2e


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


async def test_every_listed_interaction_works_for_an_ordinary_client(world):
    r = await world.client.get("/metadata")
    assert r.status_code == 200 and r.json()["fhirVersion"] == "4.0.1"
    promised = listed(r.json())
    assert {t for t, _, _ in promised} == set(OWNED)
    unexercised = [p for p in promised if exerciser(p[1], p[2]) is None]
    failures: list[str] = []
    for rtype, kind, detail in promised:
        check = exerciser(kind, detail)
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
    resources = resources_of(statement)
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
    assert resources_of(own.json()) == resources_of(merged.json())


async def test_system_level_operations_careplans_lists_work_at_its_base(stack, token_for):
    """rest.operation of careplans' own statement (the gateway routes by resource type, so
    these are served at careplans' base): each listed operation works there."""
    token = token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG)
    base = stack.config.service_url("careplans") + "/fhir"
    async with httpx.AsyncClient(base_url=base, headers=_auth(token), timeout=30) as client:
        statement = (await client.get("/metadata")).json()
        names = [o["name"] for o in statement["rest"][0].get("operation", [])]
        unexercised = [n for n in names if n not in SYSTEM_OPERATIONS]
        assert not unexercised, f"listed at the base but not exercised here: {unexercised}"
        w = World(client, client)
        w.ids["Patient"] = "any"  # $validate only reads the reference's shape
        for name in names:
            for rtype in ("CarePlan", "Goal", "Patient"):
                await SYSTEM_OPERATIONS[name](w, rtype, name)
