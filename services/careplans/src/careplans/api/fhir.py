"""FHIR R4 REST for CarePlan, CareTeam, Goal, Flag and Patient under /fhir."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from careplans.adapters.resource_store import ResourceStore
from careplans.adapters.resource_tables import among
from careplans.adapters.tables import resource
from careplans.api.conditional import create_unless_held, update_or_create
from careplans.fhir.capability import DELETABLE_TYPES, capability_statement
from careplans.fhir.validation import SUPPORTED_TYPES, validate_resource
from careplans.service_layer import access
from careplans.service_layer.record_read import read_record
from careplans.service_layer.resources import Resources, Written
from careplans.service_layer.search import search
from cch_auth.smart import Interaction
from cch_fhir.bundle import fhir_base, history, paging, searchset
from cch_fhir.errors import FhirError
from cch_fhir.http import FHIR_JSON, FhirResponse, expect_type, read_resource
from cch_fhir.versioning import parse_if_match, version_headers
from cch_servicekit.deps import PrincipalDep, RuntimeDep
from cch_servicekit.direct_route import DirectRoute

router = APIRouter(prefix="/fhir", tags=["fhir"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _type(rtype: str) -> str:
    if rtype not in SUPPORTED_TYPES:
        raise FhirError.of(404, "not-supported", f"resource type {rtype!r} is not served here")
    return rtype


def _fix_full_urls(request: Request, bundle: dict[str, Any]) -> dict[str, Any]:
    base = fhir_base(request)
    for entry in bundle.get("entry", []):
        res = entry.get("resource", {})
        if "fullUrl" in entry and res.get("id"):
            entry["fullUrl"] = f"{base}/{res['resourceType']}/{res['id']}"
    return bundle


def _written(request: Request, written: Written, *, status: int | None = None) -> Response:
    c = written.content
    location = f"{fhir_base(request)}/{c['resourceType']}/{c['id']}/_history/{written.version}"
    return FhirResponse(
        c,
        status_code=status or (201 if written.created else 200),
        headers=version_headers(written.version, written.at, location),
    )


def _strict(request: Request) -> bool:
    return "handling=strict" in (request.headers.get("prefer") or "").replace(" ", "")


@router.get("/metadata", summary="CapabilityStatement")
async def metadata(request: Request) -> Response:
    return FhirResponse(capability_statement(base_url=fhir_base(request)))


@router.get("/{rtype}", summary="Search")
async def search_type(
    rtype: str, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    _type(rtype)
    params = list(request.query_params.multi_items())
    async with runtime.uow() as uow:
        result = await search(
            uow.session, principal, rtype, params, strict=_strict(request), at=datetime.now(UTC)
        )
        keys = sorted(result.patient_keys)
        await access.audit(
            uow.session,
            principal,
            interaction="search",
            rtype=rtype,
            rid=None,
            patient_key=keys[0] if len(keys) == 1 else None,
            detail=str(request.url.query)[:500] or None,
        )
        await uow.commit()
    bundle = searchset(
        request,
        matches=result.matches,
        includes=result.includes,
        total=result.total,
        offset=result.offset,
        count=result.count,
        outcome=result.outcome,
    )
    if result.summary_count:
        bundle.pop("link", None)
        bundle.pop("entry", None) if not result.outcome else None
    return FhirResponse(_fix_full_urls(request, bundle))


@router.post("/$validate", summary="$validate at the base: any type served here, by its body")
async def validate_any(request: Request, principal: PrincipalDep) -> Response:
    body = _validated_body(await read_resource(request))
    rtype = body.get("resourceType")
    if rtype not in SUPPORTED_TYPES:
        raise FhirError.of(
            400,
            "not-supported",
            f"$validate here takes {', '.join(SUPPORTED_TYPES)}, not {rtype!r}",
            "resourceType",
        )
    return _validation(body, str(rtype))


@router.post("/{rtype}", summary="Create (If-None-Exist for conditional create)")
async def create(
    rtype: str,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    if_none_exist: Annotated[str | None, Header(alias="If-None-Exist")] = None,
) -> Response:
    _type(rtype)
    body = await read_resource(request)
    expect_type(body, rtype)
    async with runtime.uow() as uow:
        if if_none_exist:
            outcome = await create_unless_held(
                uow, principal, body, criteria=if_none_exist, base=fhir_base(request)
            )
        else:
            outcome = await Resources(uow, principal).create(body)
        await uow.commit()
    return outcome if isinstance(outcome, Response) else _written(request, outcome)


@router.put("/{rtype}", summary="Conditional update (PUT /fhir/CarePlan?identifier=...)")
async def conditional_update(
    rtype: str,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    _type(rtype)
    body = await read_resource(request)
    expect_type(body, rtype)
    version = parse_if_match(if_match)
    async with runtime.uow() as uow:
        written = await update_or_create(
            uow, principal, body, criteria=str(request.url.query), if_match=version
        )
        await uow.commit()
    return _written(request, written)


@router.get("/{rtype}/_history", summary="Type history")
async def type_history(
    rtype: str, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    _type(rtype)
    access.require_scope(principal, rtype, Interaction.READ)
    count, offset = paging(request.query_params.get("_count"), request.query_params.get("_offset"))
    async with runtime.uow() as uow:
        visible = await access.visible_patients(
            uow.session, principal, rtype=rtype, at=datetime.now(UTC)
        )
        restrict = None if visible is None else among(resource.c.patient_id, visible)
        versions, total = await ResourceStore(uow.session).history(
            rtype, None, patient_filter=restrict, offset=offset, count=count
        )
        await access.audit(
            uow.session, principal, interaction="history", rtype=rtype, rid=None, patient_key=None
        )
        await uow.commit()
    bundle = history(request, versions=versions, total=total, offset=offset, count=count)
    return FhirResponse(_fix_full_urls(request, bundle))


@router.post("/{rtype}/$validate", summary="$validate: an OperationOutcome, nothing stored")
async def validate(rtype: str, request: Request, principal: PrincipalDep) -> Response:
    _type(rtype)
    return _validation(_validated_body(await read_resource(request)), rtype)


def _validated_body(body: dict[str, Any]) -> dict[str, Any]:
    """The resource to validate: the body, or the `resource` parameter of a Parameters body."""
    if body.get("resourceType") != "Parameters":
        return body
    inner = next(
        (p.get("resource") for p in body.get("parameter", []) if p.get("name") == "resource"),
        None,
    )
    if not isinstance(inner, dict):
        raise FhirError.of(400, "invalid", "Parameters needs a 'resource' parameter")
    return inner


def _validation(body: dict[str, Any], rtype: str) -> Response:
    result = validate_resource(body, endpoint_type=rtype)
    return FhirResponse(result.operation_outcome(), status_code=result.http_status)


async def read(rtype: str, rid: str, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """The hot path: one statement reads, checks need-to-know and audits (record_read.py);
    served by DirectRoute, so no per-request dependency solving."""
    _type(rtype)
    found = await read_record(runtime.driver, principal, rtype=rtype, rid=rid, at=datetime.now(UTC))
    assert found.body is not None and found.last_updated is not None
    return Response(
        found.body,
        media_type=FHIR_JSON,
        headers=version_headers(found.version, found.last_updated),
    )


router.add_api_route(
    "/{rtype}/{rid}", read, methods=["GET"], summary="Read", route_class_override=DirectRoute
)


@router.put("/{rtype}/{rid}", summary="Update (If-Match for version-aware update)")
async def update(
    rtype: str,
    rid: str,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    _type(rtype)
    version = parse_if_match(if_match)
    body = await read_resource(request)
    expect_type(body, rtype)
    async with runtime.uow() as uow:
        written = await Resources(uow, principal).update(rtype, rid, body, if_match=version)
        await uow.commit()
    return _written(request, written)


@router.patch("/{rtype}/{rid}", summary="JSON Patch (application/json-patch+json)")
async def patch(
    rtype: str,
    rid: str,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    _type(rtype)
    version = parse_if_match(if_match)
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json-patch+json":
        raise FhirError.of(415, "not-supported", "PATCH takes application/json-patch+json")
    try:
        operations = json.loads(await request.body())
    except ValueError as exc:
        raise FhirError.of(400, "structure", f"body is not valid JSON: {exc}") from exc
    async with runtime.uow() as uow:
        written = await Resources(uow, principal).patch(rtype, rid, operations, if_match=version)
        await uow.commit()
    return _written(request, written)


@router.delete(
    "/{rtype}/{rid}",
    summary="Delete: records entered-in-error as a new version; then reads answer 410 Gone",
)
async def delete(rtype: str, rid: str, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    _type(rtype)
    if rtype not in DELETABLE_TYPES:
        raise FhirError.of(405, "not-supported", f"{rtype} cannot be deleted here")
    async with runtime.uow() as uow:
        await Resources(uow, principal).delete(rtype, rid)
        await uow.commit()
    return Response(status_code=204)  # also for a resource already deleted (idempotent)


@router.get("/{rtype}/{rid}/_history", summary="Instance history")
async def instance_history(
    rtype: str, rid: str, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    _type(rtype)
    count, offset = paging(request.query_params.get("_count"), request.query_params.get("_offset"))
    async with runtime.uow() as uow:
        svc = Resources(uow, principal)
        await svc.read(rtype, rid, interaction="history")
        versions, total = await svc.store.history(rtype, rid, offset=offset, count=count)
        await uow.commit()
    bundle = history(request, versions=versions, total=total, offset=offset, count=count)
    return FhirResponse(_fix_full_urls(request, bundle))


@router.get("/{rtype}/{rid}/_history/{vid}", summary="Version read")
async def vread(
    rtype: str, rid: str, vid: str, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    _type(rtype)
    async with runtime.uow() as uow:
        content = await Resources(uow, principal).vread(rtype, rid, vid)
        await uow.commit()
    headers = {"ETag": f'W/"{content["meta"]["versionId"]}"'}
    return FhirResponse(content, headers=headers)
