"""What every service's HTTP edge does before and after a route: limits, context, metrics."""

import uuid

import httpx
import pytest
import sqlalchemy as sa
from fastapi import APIRouter, Request
from prometheus_client import REGISTRY

from cch_observability.context import correlation_id_var, traceparent_var
from cch_servicekit import ServiceDefinition, ServiceSettings, create_service_app

LIMIT = 1_000
CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_PARENT = f"00-{CALLER_TRACE}-b7ad6b7169203331-01"

router = APIRouter()
reached: list[str] = []


@router.get("/things/{thing_id}")
async def read_thing(thing_id: str) -> dict[str, str | None]:
    return {
        "thing": thing_id,
        "correlation_id": correlation_id_var.get(),
        "traceparent": traceparent_var.get(),
    }


@router.post("/things")
async def create_thing(request: Request) -> dict[str, int]:
    reached.append("create_thing")
    return {"bytes": len(await request.body())}


@router.post("/fhir/Thing")
async def create_fhir_thing(request: Request) -> dict[str, int]:
    reached.append("create_fhir_thing")
    return {"bytes": len(await request.body())}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("the route fails")


@pytest.fixture(scope="module")
def service_name() -> str:
    return f"mwtest{uuid.uuid4().hex[:6]}"


@pytest.fixture
async def client(service_name: str) -> httpx.AsyncClient:
    settings = ServiceSettings(max_body_bytes=LIMIT, log_json=False, log_level="WARNING")
    app = create_service_app(
        ServiceDefinition(
            name=service_name,
            title="middleware test",
            description="",
            settings=settings,
            metadata=sa.MetaData(schema=service_name),
            routers=[router],
        )
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


def requests_counted(service: str, method: str, route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "cch_http_requests_total",
        {"service": service, "method": method, "route": route, "status": status},
    )
    return value or 0.0


async def test_a_body_declared_over_the_limit_is_refused_with_a_problem_before_the_route(client):
    reached.clear()
    response = await client.post("/things", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 413 and body["type"].endswith("/too-costly")
    assert f"{LIMIT}-byte limit" in body["detail"]
    assert reached == []


async def test_a_fhir_body_over_the_limit_is_refused_with_an_operation_outcome(client):
    reached.clear()
    response = await client.post("/fhir/Thing", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "too-costly"
    assert reached == []


async def test_a_body_within_the_limit_reaches_the_route(client):
    reached.clear()
    response = await client.post("/things", content=b"x" * LIMIT)
    assert response.status_code == 200 and response.json() == {"bytes": LIMIT}
    assert reached == ["create_thing"]


async def test_the_callers_correlation_id_is_used_and_echoed(client):
    response = await client.get("/things/1", headers={"X-Correlation-ID": "corr-123"})
    assert response.headers["x-correlation-id"] == "corr-123"
    assert response.json()["correlation_id"] == "corr-123"
    assert correlation_id_var.get() is None  # nothing leaks past the request


async def test_a_request_without_a_correlation_id_gets_a_new_one(client):
    first = await client.get("/things/1")
    second = await client.get("/things/1")
    ids = {first.headers["x-correlation-id"], second.headers["x-correlation-id"]}
    assert len(ids) == 2
    assert first.json()["correlation_id"] == first.headers["x-correlation-id"]
    uuid.UUID(first.headers["x-correlation-id"])


async def test_the_callers_trace_continues_in_a_new_span(client):
    response = await client.get("/things/1", headers={"traceparent": CALLER_PARENT})
    traceparent = response.json()["traceparent"]
    _, trace, span, flags = traceparent.split("-")
    assert trace == CALLER_TRACE and span != "b7ad6b7169203331" and flags == "01"
    fresh = (await client.get("/things/1", headers={"traceparent": "garbage"})).json()
    assert fresh["traceparent"].split("-")[1] != CALLER_TRACE


async def test_requests_are_counted_by_route_template_not_raw_path(client, service_name):
    before = requests_counted(service_name, "GET", "/things/{thing_id}", "200")
    await client.get("/things/9434765919")
    await client.get("/things/other")
    assert requests_counted(service_name, "GET", "/things/{thing_id}", "200") == before + 2
    assert requests_counted(service_name, "GET", "/things/9434765919", "200") == 0
    latency = REGISTRY.get_sample_value(
        "cch_http_request_seconds_count",
        {"service": service_name, "method": "GET", "route": "/things/{thing_id}"},
    )
    assert latency is not None and latency >= 2


async def test_unknown_paths_refusals_and_failures_are_counted_with_their_status(
    client, service_name
):
    unmatched = requests_counted(service_name, "GET", "unmatched", "404")
    refused = requests_counted(service_name, "POST", "unmatched", "413")
    failed = requests_counted(service_name, "GET", "/boom", "500")
    assert (await client.get("/no/such/path")).status_code == 404
    assert (await client.post("/things", content=b"x" * (LIMIT + 1))).status_code == 413
    assert (await client.get("/boom")).status_code == 500
    assert requests_counted(service_name, "GET", "unmatched", "404") == unmatched + 1
    assert requests_counted(service_name, "POST", "unmatched", "413") == refused + 1
    assert requests_counted(service_name, "GET", "/boom", "500") == failed + 1
