"""FHIR R4 ServiceRequest for EHRs: capability, $validate, read, vread, history, update (create:
fhir_create.py; search: fhir_search.py)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from cch_auth import Interaction, Principal
from cch_contracts import patient_key
from cch_fhir.bundle import fhir_base, history, paging
from cch_fhir.capability import capability_statement
from cch_fhir.errors import FhirError, not_found
from cch_fhir.http import FhirResponse, expect_type, read_resource
from cch_fhir.versioning import parse_if_match
from cch_servicekit import RuntimeDep
from referrals.adapters.referral_store import ReferralStore
from referrals.api.deps import ClockDep, audit, fhir_scope
from referrals.api.fhir_responses import RTYPE, parse_outcome, resource_headers, subject_key
from referrals.domain.amendments import Amendment
from referrals.domain.vocabulary import ROUTE_SYSTEM, ReferralRoute
from referrals.fhir.service_request import parse_service_request
from referrals.fhir.service_request_json import opening_note, rendered_notes
from referrals.service_layer.referrals import update_referral

router = APIRouter(prefix="/fhir", tags=["fhir"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _principal(interaction: Interaction) -> Any:
    return Depends(fhir_scope(interaction))


def _full_urls(request: Request, bundle: dict[str, Any]) -> dict[str, Any]:
    base = fhir_base(request)
    for entry in bundle.get("entry", []):
        res = entry.get("resource", {})
        if "fullUrl" in entry and res.get("id"):
            entry["fullUrl"] = f"{base}/{res['resourceType']}/{res['id']}"
    return bundle


# --- metadata ------------------------------------------------------------------------------
SEARCH_DOCS = [
    ("patient", "token", "The patient's NHS number (system|value or value)"),
    ("patient:identifier", "token", "Same as patient"),
    ("subject:identifier", "token", "Same as patient"),
    ("identifier", "token", "The referrer's identifier for the referral"),
    ("status", "token", "draft | active | on-hold | revoked | completed | entered-in-error"),
    ("category", "token", f"Referral route ({ROUTE_SYSTEM})"),
    ("priority", "token", "routine | urgent"),
    ("requester", "reference", "Practitioner/…, PractitionerRole/… or Organization/…"),
    ("authored", "date", "When the referral was written (eq, ge, le, gt, lt prefixes)"),
    ("_lastUpdated", "date", "When the referral last changed (eq, ge, le, gt, lt prefixes)"),
    ("occurrence", "date", "When the referrer wants the patient seen (date prefixes, FHIR ranges)"),
    ("_id", "token", "Logical id"),
    ("_count", "number", "Page size (max 100); Bundle links page through the rest"),
    ("_include", "special", "ServiceRequest:patient: one Patient per person on the page"),
]


def referrals_capability(base_url: str | None = None) -> dict[str, Any]:
    resource = {
        "type": RTYPE,
        "profile": "http://hl7.org/fhir/StructureDefinition/ServiceRequest",
        "documentation": (
            "Referrals into case management by every route. Crisis details for an urgent "
            "referral go in the extension https://cch.example.nhs.uk/StructureDefinition/crisis "
            "(postcode, reason). A referral for a patient with an open one is linked to it (200 "
            "with the open referral). Update (If-Match) corrects priority (routine to urgent), "
            "reasons, requester, note, practice, locality and occurrence[x], and moves the "
            "status (on-hold, active, revoked, entered-in-error); the patient, authored date and "
            "routes are fixed. A self-referral without an NHS number is updated by its id."
        ),
        "interaction": [
            {"code": code}
            for code in ("read", "vread", "update", "history-instance", "create", "search-type")
        ],
        "versioning": "versioned",
        "readHistory": True,
        "updateCreate": False,
        "conditionalCreate": True,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchInclude": ["ServiceRequest:patient"],
        "searchParam": [
            {"name": name, "type": kind, "documentation": doc} for name, kind, doc in SEARCH_DOCS
        ],
        "operation": [
            {
                "name": "validate",
                "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
            }
        ],
    }
    return capability_statement(
        name="CareCloserToHomeReferrals",
        title="Care Closer to Home referrals (ServiceRequest)",
        resources=[resource],
        base_url=base_url,
    )


@router.get("/metadata", summary="CapabilityStatement")
async def metadata(request: Request) -> Response:
    return FhirResponse(referrals_capability(fhir_base(request)))


@router.post("/ServiceRequest/$validate", summary="$validate: an OperationOutcome, nothing stored")
async def validate(
    request: Request,
    clock: ClockDep,
    principal: Annotated[Principal, _principal(Interaction.CREATE)],
) -> Response:
    body = await read_resource(request)
    if body.get("resourceType") == "Parameters":
        params = body.get("parameter") or []
        found = [p.get("resource") for p in params if p.get("name") == "resource"]
        body = found[0] if found and isinstance(found[0], dict) else {}
    parsed = parse_service_request(body, now=clock.now(), patient_key_for=patient_key)
    return parse_outcome(parsed)


# --- read, vread, history ------------------------------------------------------------------
@router.get("/ServiceRequest/{rid}", summary="Read")
async def read(
    rid: str,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, _principal(Interaction.READ)],
) -> Response:
    async with runtime.uow() as uow:
        resource = await ReferralStore(uow.session).resource(rid)
        if resource is None:
            raise not_found(RTYPE, rid)
        await audit(
            uow.session,
            principal,
            interaction="read",
            resource_id=rid,
            patient_key=subject_key(resource),
        )
        await uow.commit()
    return FhirResponse(resource, headers=resource_headers(request, resource))


@router.get("/ServiceRequest/{rid}/_history/{vid}", summary="Version read")
async def vread(
    rid: str,
    vid: str,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, _principal(Interaction.READ)],
) -> Response:
    if not vid.isdigit():
        raise FhirError.of(404, "not-found", f"{RTYPE}/{rid} has no version {vid!r}")
    async with runtime.uow() as uow:
        resource = await ReferralStore(uow.session).version(rid, int(vid))
        if resource is None:
            raise FhirError.of(404, "not-found", f"{RTYPE}/{rid} has no version {vid}")
        await audit(
            uow.session,
            principal,
            interaction="vread",
            resource_id=rid,
            patient_key=subject_key(resource),
        )
        await uow.commit()
    return FhirResponse(resource, headers=resource_headers(request, resource))


@router.get("/ServiceRequest/{rid}/_history", summary="Instance history")
async def instance_history(
    rid: str,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, _principal(Interaction.READ)],
) -> Response:
    count, offset = paging(request.query_params.get("_count"), request.query_params.get("_offset"))
    async with runtime.uow() as uow:
        store = ReferralStore(uow.session)
        current = await store.resource(rid)
        if current is None:
            raise not_found(RTYPE, rid)
        versions, total = await store.history(rid, offset=offset, count=count)
        await audit(
            uow.session,
            principal,
            interaction="history",
            resource_id=rid,
            patient_key=subject_key(current),
        )
        await uow.commit()
    bundle = history(request, versions=versions, total=total, offset=offset, count=count)
    return FhirResponse(_full_urls(request, bundle))


# --- update --------------------------------------------------------------------------------
def _one_route(body: dict[str, Any]) -> dict[str, Any]:
    """A linked referral lists every route; the request rules read the first (opening) one."""
    categories = body.get("category")
    if isinstance(categories, list) and len(categories) > 1:
        return {**body, "category": categories[:1]}
    return body


def _routes(body: dict[str, Any]) -> tuple[ReferralRoute, ...]:
    """Every route coding the update lists, in order (unknown codes are kept out)."""
    codes = [
        coding.get("code")
        for concept in body.get("category") or []
        for coding in concept.get("coding") or []
        if coding.get("system") == ROUTE_SYSTEM
    ]
    return tuple(ReferralRoute(c) for c in codes if c in ReferralRoute._value2member_map_)


@router.put("/ServiceRequest/{rid}", summary="Update with If-Match: corrections and status")
async def update(
    rid: str,
    request: Request,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: Annotated[Principal, _principal(Interaction.UPDATE)],
    if_match: IfMatch = None,
) -> Response:
    expected = parse_if_match(if_match)
    body = await read_resource(request)
    expect_type(body, RTYPE)
    if body.get("id") != rid:
        raise FhirError.of(
            400, "invalid", f"the body's id must be {rid!r}, the id in the URL", "ServiceRequest.id"
        )
    async with runtime.uow() as uow:
        current = await ReferralStore(uow.session).get(rid)
        if current is None:
            raise not_found(RTYPE, rid)
        parsed = parse_service_request(
            _one_route(body),
            now=clock.now(),
            patient_key_for=patient_key,
            require_identifier=False,
            creating=False,
            stored_patient=current.patient,
        )
        if parsed.request is None or parsed.status is None:
            return parse_outcome(parsed)
        texts = [str(n.get("text") or "") for n in body.get("note") or []]
        note = opening_note(current, texts)
        request_ = parsed.request
        amendment = Amendment(
            patient_key=request_.patient.patient_key,
            status=parsed.status,
            authored_on=request_.authored_on,
            routes=_routes(body),
            priority=request_.priority,
            crisis=request_.crisis,
            reasons=request_.reasons,
            requester=request_.requester,
            note=note,
            practice_code=request_.practice_code,
            locality=request_.locality,
            when_to_see=request_.when_to_see,
        )
        added = [t for t in texts if t and t not in rendered_notes(current)]
        resource = await update_referral(
            uow,
            rid,
            amendment,
            status_reason=" ".join(added).strip()[:500],
            expected_version=expected,
            clock=clock,
            actor=principal.actor,
        )
        await audit(
            uow.session,
            principal,
            interaction="update",
            resource_id=rid,
            patient_key=current.patient.patient_key,
            detail=f"version {resource['meta']['versionId']}, status {resource['status']}",
        )
        await uow.commit()
    return FhirResponse(resource, headers=resource_headers(request, resource))
