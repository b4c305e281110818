"""FHIR ServiceRequest create for EHRs, conditional with If-None-Exist. The usual arrival and a
resend guarded by the referral's own identifier are one statement committed on its own; anything
else links to the patient's open referral under their lock."""

from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from cch_auth import Interaction
from cch_contracts import patient_key
from cch_fhir.errors import FhirError
from cch_fhir.http import FHIR_JSON, FhirResponse, expect_type, read_resource
from cch_messaging import MessagingUnitOfWork
from cch_servicekit import PrincipalDep, RuntimeDep
from cch_servicekit.direct_route import DirectRoute
from referrals.adapters.referral_search import build_query
from referrals.adapters.referral_tables import referral
from referrals.api.deps import accessor, audit, clock_of, require_fhir_scope
from referrals.api.fhir_responses import RTYPE, parse_outcome, resource_headers, subject_key
from referrals.domain.deduplication import ArrivalOutcome
from referrals.domain.referral_requests import ReferralRequest
from referrals.fhir.service_request import parse_service_request
from referrals.service_layer.referrals import Received, receive, receive_alone

router = APIRouter(prefix="/fhir", tags=["fhir"])


async def _conditional(uow: MessagingUnitOfWork, query: str) -> list[dict[str, Any]]:
    params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not params:
        raise FhirError.of(400, "invalid", "If-None-Exist needs search parameters", "If-None-Exist")
    built = build_query(params, key_for=patient_key)
    if built.ignored:
        raise FhirError.of(
            400,
            "not-supported",
            f"If-None-Exist parameter(s) not supported: {', '.join(built.ignored)}",
            "If-None-Exist",
        )
    rows = await uow.session.execute(
        sa.select(referral.c.resource).where(*built.conditions).limit(2)
    )
    return list(rows.scalars())


async def create(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """Create, or with If-None-Exist a conditional create (200 with the match, 412 when more
    than one matches). Served by DirectRoute: no per-request dependency solving. The usual
    arrival, and a resend guard on the referral's own identifier, is one statement committed
    on its own (receive_alone); anything else links under the patient's lock."""
    require_fhir_scope(principal, Interaction.CREATE)
    clock = clock_of(runtime)
    body = await read_resource(request)
    expect_type(body, RTYPE)
    parsed = parse_service_request(body, now=clock.now(), patient_key_for=patient_key)
    if parsed.request is None:
        return parse_outcome(parsed)
    if_none_exist = request.headers.get("if-none-exist")
    arrival = accessor(principal, detail_prefix="arrival")
    alone = not if_none_exist or _guards_own_identifier(if_none_exist, parsed.request)
    if alone:
        received = await receive_alone(
            runtime.driver, parsed.request, clock=clock, accessor=arrival
        )
        if received is not None:
            return _received(request, received)
    async with runtime.uow() as uow:
        if if_none_exist:
            matches = await _conditional(uow, if_none_exist)
            if len(matches) > 1:
                raise FhirError.of(412, "duplicate", "If-None-Exist matched more than one referral")
            if matches:
                found = matches[0]
                await audit(
                    uow.session,
                    principal,
                    interaction="read",
                    resource_id=found["id"],
                    patient_key=subject_key(found),
                    detail="conditional create matched an existing referral",
                )
                await uow.commit()
                return FhirResponse(
                    found, status_code=200, headers=resource_headers(request, found)
                )
        received = await receive(
            uow,
            parsed.request,
            clock=clock,
            actor=principal.actor,
            accessor=arrival,
            first_tried=alone,
        )
        await uow.commit()
    return _received(request, received)


router.add_api_route(
    "/ServiceRequest",
    create,
    methods=["POST"],
    summary="Create (If-None-Exist for conditional create)",
    route_class_override=DirectRoute,
    openapi_extra={
        "parameters": [
            {
                "name": "If-None-Exist",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "conditional create: search parameters (identifier=system|value)",
            }
        ]
    },
)


def _guards_own_identifier(if_none_exist: str, request: ReferralRequest) -> bool:
    """If-None-Exist asks for exactly the referral's own referrer identifier: the one-statement
    arrival already writes nothing when a referral holds it."""
    ident = request.referrer_identifier
    params = parse_qsl(if_none_exist.lstrip("?"), keep_blank_values=True)
    return ident is not None and params == [("identifier", f"{ident.system}|{ident.value}")]


def _received(request: Request, received: Received) -> Response:
    status = 201 if received.outcome is ArrivalOutcome.CREATED else 200
    headers = resource_headers(request, received.resource)
    if received.body is not None:
        return Response(received.body, status_code=status, headers=headers, media_type=FHIR_JSON)
    return FhirResponse(received.resource, status_code=status, headers=headers)
