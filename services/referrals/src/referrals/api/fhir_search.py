"""ServiceRequest search, with `_include=ServiceRequest:patient` (one Patient per person)."""

from collections.abc import Sequence
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cch_auth import Interaction, Principal
from cch_contracts import patient_key
from cch_fhir.bundle import paging, searchset
from cch_fhir.errors import FhirError
from cch_fhir.http import FhirResponse
from cch_servicekit import RuntimeDep
from referrals.adapters.referral_search import SEARCH_PARAMS, build_query
from referrals.adapters.referral_tables import referral
from referrals.api.deps import audit, fhir_scope
from referrals.fhir.patient_json import to_patient

router = APIRouter(prefix="/fhir", tags=["fhir"])
PATIENT_INCLUDES = frozenset({"ServiceRequest:patient", "ServiceRequest:subject"})
_CONTROL = frozenset({"_include", "_revinclude"})


def _strict(request: Request) -> bool:
    return "handling=strict" in (request.headers.get("prefer") or "").replace(" ", "")


def _includes(request: Request) -> bool:
    """Whether the caller asked for the referrals' patients; any other include is refused."""
    asked = request.query_params.getlist("_include")
    unknown = sorted(set(asked) - PATIENT_INCLUDES)
    rev = request.query_params.getlist("_revinclude")
    if unknown or rev:
        named = ", ".join([*unknown, *(f"_revinclude={r}" for r in rev)])
        raise FhirError.of(
            400,
            "not-supported",
            f"unsupported include(s): {named}; supported: _include=ServiceRequest:patient",
            "_include",
        )
    return bool(asked)


def _warning(unknown: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "warning",
                "code": "not-supported",
                "diagnostics": f"ignored search parameter(s): {', '.join(unknown)}; "
                f"supported: {', '.join(sorted(SEARCH_PARAMS | PATIENT_INCLUDES))}",
            }
        ],
    }


@router.get("/ServiceRequest", summary="Search (_include=ServiceRequest:patient)")
async def search(
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(fhir_scope(Interaction.SEARCH))],
) -> Response:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in _CONTROL]
    count, offset = paging(request.query_params.get("_count"), request.query_params.get("_offset"))
    with_patients = _includes(request)
    built = build_query(params, key_for=patient_key)
    unknown = sorted(set(built.ignored))
    if unknown and _strict(request):
        raise FhirError.of(
            400, "not-supported", f"unknown search parameter(s): {', '.join(unknown)}"
        )
    where = built.conditions
    async with runtime.uow() as uow:
        total = (
            await uow.session.execute(
                sa.select(sa.func.count()).select_from(referral).where(*where)
            )
        ).scalar_one()
        rows = (
            await uow.session.execute(
                sa.select(
                    referral.c.resource,
                    referral.c.patient_key,
                    referral.c.nhs_number,
                    referral.c.state["demographics"].label("demographics"),
                )
                .where(*where)
                .order_by(referral.c.last_updated.desc(), referral.c.id)
                .offset(offset)
                .limit(count)
            )
        ).all()
        matches = [r.resource for r in rows]
        patients = _patients(rows) if with_patients else []
        keys = sorted(built.patient_keys)
        await audit(
            uow.session,
            principal,
            interaction="search",
            resource_id=None,
            patient_key=keys[0] if len(keys) == 1 else None,
            detail=(str(request.url.query)[:400] or "all") + f"; {len(matches)} returned",
        )
        for patient in patients:
            await audit(
                uow.session,
                principal,
                interaction="read",
                resource_type="Patient",
                resource_id=patient["id"],
                patient_key=patient["id"],
                detail="_include=ServiceRequest:patient",
            )
        await uow.commit()
    bundle = searchset(
        request,
        matches=matches,
        includes=patients,
        total=int(total),
        offset=offset,
        count=count,
        outcome=_warning(unknown) if unknown else None,
    )
    return FhirResponse(bundle)


def _patients(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """One Patient per distinct person on the page, in the order they first appear."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        held = found.get(row.patient_key)
        if held is None or (row.demographics and "name" not in held):
            found[row.patient_key] = to_patient(row.patient_key, row.nhs_number, row.demographics)
    return list(found.values())
