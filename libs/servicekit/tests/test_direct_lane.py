"""Hot-path routes (DirectRoute) reached through the direct lane behave as any other route does:
the same caller, the same errors, the same context and metrics."""

import uuid
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY

from cch_auth import Principal
from cch_auth.errors import forbidden
from cch_fhir.errors import FhirError
from cch_observability.context import correlation_id_var
from cch_servicekit import (
    PrincipalDep,
    RuntimeDep,
    ServiceDefinition,
    ServiceSettings,
    create_service_app,
)
from cch_servicekit.deps import get_principal
from cch_servicekit.direct_route import DirectLane, DirectRoute

router = APIRouter(prefix="/fhir")
earlier = APIRouter(prefix="/fhir/Thing")  # included first: its routes come first
calls: list[str] = []


@earlier.get("/special")
async def special() -> dict[str, str]:
    calls.append("special")
    return {"taken by": "the earlier route"}


async def read_thing(rid: str, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    calls.append(f"read {rid} by {principal.actor}")
    if rid == "missing":
        raise FhirError.of(404, "not-found", "Thing/missing is not known")
    if rid == "secret":
        raise forbidden("not on the care team")
    if rid == "broken":
        raise RuntimeError("the route fails")
    return Response(f'{{"id":"{rid}","cid":"{correlation_id_var.get()}"}}', media_type="x/t")


async def create_thing(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    body = await request.body()
    calls.append(f"create {len(body)} bytes, runtime {runtime.name}")
    return Response(status_code=201)


router.add_api_route("/Thing/{rid}", read_thing, methods=["GET"], route_class_override=DirectRoute)
router.add_api_route("/Thing", create_thing, methods=["POST"], route_class_override=DirectRoute)


@router.get("/Other")
async def other() -> dict[str, str]:
    calls.append("other")
    return {"ordinary": "route"}


@pytest.fixture
async def client() -> httpx.AsyncClient:
    name = f"lane{uuid.uuid4().hex[:6]}"
    app = create_service_app(
        ServiceDefinition(
            name=name,
            title="direct lane test",
            description="",
            settings=ServiceSettings(log_json=False, log_level="WARNING"),
            metadata=sa.MetaData(schema=name),
            routers=[earlier, router],
        )
    )
    assert any(m.cls is DirectLane for m in app.user_middleware)  # what these tests go through
    app.state.runtime = SimpleNamespace(name=name)

    async def caller(request: Request, runtime: object) -> Principal:
        if request.headers.get("authorization") != "Bearer good":
            raise forbidden("no token")  # stands in for the token check
        return Principal("clinician-1", frozenset({"clinician"}), frozenset(), None)

    app.dependency_overrides[get_principal] = caller
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        c.service = name  # type: ignore[attr-defined]
        yield c


GOOD = {"authorization": "Bearer good"}


async def test_a_direct_route_gets_its_path_caller_and_runtime(client):
    calls.clear()
    read = await client.get("/fhir/Thing/t1", headers=GOOD)
    created = await client.post("/fhir/Thing", content=b"12345", headers=GOOD)

    assert read.status_code == 200 and read.json()["id"] == "t1"
    assert created.status_code == 201
    assert calls == ["read t1 by clinician-1", f"create 5 bytes, runtime {client.service}"]


async def test_errors_on_a_direct_route_get_the_apps_own_responses(client):
    missing = await client.get("/fhir/Thing/missing", headers=GOOD)
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"

    refused = await client.get("/fhir/Thing/secret", headers=GOOD)
    assert refused.status_code == 403

    unauthenticated = await client.get("/fhir/Thing/t1")
    assert unauthenticated.status_code == 403

    broken = await client.get("/fhir/Thing/broken", headers=GOOD)
    assert broken.status_code == 500
    assert "the route fails" not in broken.text  # nothing internal leaks


async def test_a_direct_route_runs_inside_the_request_context_and_metrics(client):
    response = await client.get("/fhir/Thing/t2", headers={**GOOD, "X-Correlation-ID": "c-42"})

    assert response.headers["x-correlation-id"] == "c-42"
    assert response.json()["cid"] == "c-42"
    counted = REGISTRY.get_sample_value(
        "cch_http_requests_total",
        {"service": client.service, "method": "GET", "route": "/fhir/Thing/{rid}", "status": "200"},
    )
    assert counted == 1.0


async def test_other_routes_and_methods_take_the_ordinary_path(client):
    calls.clear()
    ordinary = await client.get("/fhir/Other", headers=GOOD)
    wrong_method = await client.delete("/fhir/Thing/t1", headers=GOOD)

    assert ordinary.json() == {"ordinary": "route"} and calls == ["other"]
    assert wrong_method.status_code == 405


async def test_a_path_an_earlier_route_also_matches_goes_to_that_route(client):
    calls.clear()
    response = await client.get("/fhir/Thing/special", headers=GOOD)

    assert response.json() == {"taken by": "the earlier route"}
    assert calls == ["special"]
