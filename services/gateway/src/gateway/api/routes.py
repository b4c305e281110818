"""The gateway's routes: /fhir/* by resource type, /api/<service>/* by service."""

import asyncio
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cch_auth import Principal
from cch_fhir.bundle import fhir_base
from cch_fhir.capability import merge
from cch_fhir.errors import FhirError
from cch_fhir.http import FhirResponse
from cch_servicekit import PrincipalDep, Problem, RuntimeDep
from cch_servicekit.deps import get_principal
from gateway.adapters.upstream import forward
from gateway.domain.routing import (
    FHIR_BUNDLE_OWNER,
    FHIR_CAPABILITY_SOURCES,
    is_public,
    owner_of,
)

router = APIRouter()
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _client(runtime: RuntimeDep) -> httpx.AsyncClient:
    client: httpx.AsyncClient = runtime.extras["http"]
    return client


Client = Annotated[httpx.AsyncClient, Depends(_client)]


async def _edge_principal(
    request: Request, runtime: RuntimeDep, service: str, rest: str
) -> Principal | None:
    """The caller, required everywhere but the few public browser paths (see routing)."""
    if is_public(request.method, service, rest):
        return None
    return await get_principal(request, runtime)


EdgePrincipal = Annotated[Principal | None, Depends(_edge_principal)]


@router.get("/fhir/metadata", tags=["fhir"], summary="CapabilityStatement of the whole platform")
async def capability(
    request: Request, runtime: RuntimeDep, client: Client, _: PrincipalDep
) -> FhirResponse:
    upstreams = runtime.extras["upstreams"]

    async def fetch(svc: str) -> dict[str, Any] | None:
        try:
            r = await client.get(
                f"{upstreams[svc]}/fhir/metadata",
                headers={"authorization": request.headers.get("authorization", "")},
            )
        except httpx.HTTPError:
            return None
        return r.json() if r.status_code == 200 else None

    statements = [
        s for s in await asyncio.gather(*(fetch(s) for s in FHIR_CAPABILITY_SOURCES)) if s
    ]
    return FhirResponse(merge(statements, base_url=fhir_base(request)))


@router.post("/fhir", tags=["fhir"], summary="A transaction or batch Bundle (activity data)")
async def fhir_bundle(
    request: Request, runtime: RuntimeDep, client: Client, _: PrincipalDep
) -> Response:
    try:
        return await forward(
            client, request, base=runtime.extras["upstreams"][FHIR_BUNDLE_OWNER], path="/fhir"
        )
    except httpx.HTTPError as exc:
        raise FhirError.of(
            502, "transient", f"{FHIR_BUNDLE_OWNER} is unavailable: {type(exc).__name__}"
        ) from exc


@router.api_route("/fhir/{resource_type}", methods=METHODS, tags=["fhir"], include_in_schema=False)
@router.api_route(
    "/fhir/{resource_type}/{rest:path}", methods=METHODS, tags=["fhir"], include_in_schema=False
)
async def fhir(
    request: Request,
    runtime: RuntimeDep,
    client: Client,
    _: PrincipalDep,
    resource_type: str,
    rest: str = "",
) -> Response:
    owner = owner_of(resource_type)
    if owner is None:
        raise FhirError.of(
            404, "not-supported", f"resource type {resource_type!r} is not served here"
        )
    try:
        return await forward(
            client, request, base=runtime.extras["upstreams"][owner], path=request.url.path
        )
    except httpx.HTTPError as exc:
        raise FhirError.of(
            502, "transient", f"{owner} is unavailable: {type(exc).__name__}"
        ) from exc


@router.api_route(
    "/api/{service}/{rest:path}", methods=METHODS, tags=["api"], include_in_schema=False
)
async def api(
    request: Request,
    runtime: RuntimeDep,
    client: Client,
    principal: EdgePrincipal,
    service: str,
    rest: str,
) -> Response:
    upstreams = runtime.extras["upstreams"]
    if service not in upstreams:
        raise Problem(404, "Not Found", f"no service called {service!r}", code="not-found")
    try:
        return await forward(
            client, request, base=upstreams[service], path=f"/{rest}", prefix=f"/api/{service}"
        )
    except httpx.HTTPError as exc:
        raise Problem(
            502, "Bad Gateway", f"{service} is unavailable: {type(exc).__name__}", code="upstream"
        ) from exc


__all__ = ["Principal", "router"]
