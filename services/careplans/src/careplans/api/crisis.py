"""One call for a clinician arriving at a crisis: emergency plan, alerts, then the other plans."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from careplans.adapters.tables import resource
from careplans.pathway.nhs_numbers import is_valid_nhs_number
from careplans.pathway.vocabulary import (
    ALERT_KIND_SYSTEM,
    CRISIS_ALERT_ORDER,
    NHS_NUMBER_SYSTEM,
    PLAN_KIND_SYSTEM,
    PlanKind,
)
from careplans.service_layer import access
from cch_auth.smart import Interaction
from cch_fhir.bundle import public_base
from cch_fhir.http import FhirResponse
from cch_servicekit import Problem
from cch_servicekit.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["crisis"])
PLAN_ORDER = (PlanKind.EMERGENCY, PlanKind.END_OF_LIFE, PlanKind.INTEGRATED)


def _kind(resource_: dict[str, Any], system: str) -> str | None:
    for where in ("category", "code"):
        concepts = resource_.get(where) or []
        for concept in concepts if isinstance(concepts, list) else [concepts]:
            for coding in concept.get("coding", []) or []:
                if coding.get("system") == system:
                    return str(coding.get("code"))
    return None


def crisis_order(plans: list[dict[str, Any]], flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Active Emergency Care Plan, alerts (DNAR, allergy, safeguarding, lone worker), EoL, main."""
    alert_rank = {k.value: n for n, k in enumerate(CRISIS_ALERT_ORDER)}
    active_plans = [p for p in plans if p.get("status") == "active"]

    def plans_of(kind: PlanKind) -> list[dict[str, Any]]:
        return [p for p in active_plans if _kind(p, PLAN_KIND_SYSTEM) == kind.value]

    alerts = sorted(
        (f for f in flags if f.get("status") == "active"),
        key=lambda f: alert_rank.get(_kind(f, ALERT_KIND_SYSTEM) or "", len(alert_rank)),
    )
    return [
        *plans_of(PlanKind.EMERGENCY),
        *alerts,
        *plans_of(PlanKind.END_OF_LIFE),
        *plans_of(PlanKind.INTEGRATED),
    ]


@router.get("/patients/{nhs_number}/crisis-summary", summary="Crisis summary (FHIR collection)")
async def crisis_summary(
    nhs_number: str, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    if not is_valid_nhs_number(nhs_number):
        raise Problem(422, "Invalid NHS number", "10 digits with a valid Modulus 11 check digit")
    if not principal.permits("CarePlan", Interaction.READ):
        raise Problem(403, "Forbidden", "needs CarePlan read scope", code="forbidden")
    async with runtime.uow() as uow:
        session = uow.session
        patient = (
            await session.execute(
                sa.select(resource.c.id, resource.c.patient_key).where(
                    resource.c.type == "Patient",
                    resource.c.identifiers.contains([f"{NHS_NUMBER_SYSTEM}|{nhs_number}"]),
                )
            )
        ).first()
        allowed = patient is not None and await access.may_reach_patient(
            session,
            principal,
            rtype="CarePlan",
            interaction=Interaction.READ,
            patient_id=patient.id,
        )
        if not allowed:
            system = access.is_system(principal, "CarePlan", Interaction.READ)
            await access.audit(
                session,
                principal,
                interaction="read",
                rtype="CrisisSummary",
                rid=None,
                patient_key=patient.patient_key if patient else None,
                outcome="4",
                detail="denied or unknown",
            )
            await uow.commit()
            if system:
                raise Problem(404, "Not found", "no patient with that NHS number", code="not-found")
            raise Problem(403, "Forbidden", access.NOT_PERMITTED, code="forbidden")
        rows = (
            await session.execute(
                sa.select(resource.c.content).where(
                    resource.c.patient_id == patient.id, resource.c.type.in_(("CarePlan", "Flag"))
                )
            )
        ).all()
        await access.audit(
            session,
            principal,
            interaction="read",
            rtype="CrisisSummary",
            rid=patient.id,
            patient_key=patient.patient_key,
        )
        await uow.commit()
    contents = [r.content for r in rows]
    ordered = crisis_order(
        [c for c in contents if c["resourceType"] == "CarePlan"],
        [c for c in contents if c["resourceType"] == "Flag"],
    )
    base = f"{public_base(request)}/fhir"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(),
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in ordered
        ],
    }
    return FhirResponse(bundle)
