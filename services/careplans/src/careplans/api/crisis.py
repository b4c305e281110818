"""One call for a clinician arriving at a crisis: emergency plan, alerts, then the other plans.

A rapid-response clinician who is not on the patient's care team may break the glass: the
reason goes in the `X-Break-Glass-Reason` header (or `reason` query parameter) and the access
is audited as break-glass (AuditEvent purposeOfEvent BTG), which ops can search for.
"""

from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from careplans.adapters.tables import resource
from careplans.domain.access import RAPID_RESPONSE_ROLE, break_glass
from careplans.domain.crisis_summary import as_bundle, crisis_summary
from careplans.domain.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from careplans.service_layer import access
from careplans.service_layer.audit_trail import BREAK_GLASS
from cch_auth.smart import Interaction
from cch_fhir.bundle import fhir_base
from cch_fhir.http import FhirResponse
from cch_servicekit import Problem
from cch_servicekit.deps import PrincipalDep, RuntimeDep

router = APIRouter(tags=["crisis"])
REASON_HEADER = "X-Break-Glass-Reason"


@router.get("/patients/{nhs_number}/crisis-summary", summary="Crisis summary (FHIR collection)")
async def get_crisis_summary(
    nhs_number: str,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    reason_header: Annotated[str | None, Header(alias=REASON_HEADER)] = None,
    reason_param: Annotated[str | None, Query(alias="reason", max_length=500)] = None,
) -> Response:
    if not is_valid_nhs_number(nhs_number):
        raise Problem(422, "Invalid NHS number", "10 digits with a valid Modulus 11 check digit")
    if not principal.permits("CarePlan", Interaction.READ):
        raise Problem(403, "Forbidden", "needs CarePlan read scope", code="forbidden")
    reason = (reason_header or reason_param or "").strip()[:500] or None
    now = datetime.now(UTC)
    async with runtime.uow() as uow:
        session = uow.session
        patient = (
            await session.execute(
                sa.select(resource.c.id, resource.c.patient_key).where(
                    resource.c.type == "Patient",
                    resource.c.deleted.is_(False),
                    resource.c.identifiers.contains([f"{NHS_NUMBER_SYSTEM}|{nhs_number}"]),
                )
            )
        ).first()
        on_team = await access.decide(
            session,
            principal,
            rtype="CarePlan",
            interaction=Interaction.READ,
            patient_id=patient.id if patient else None,
            at=now,
        )
        glass = None if on_team else break_glass(principal, reason=reason)
        allowed = on_team or (glass is not None and glass.allowed)
        patient_key = patient.patient_key if patient else None
        if not allowed or patient is None:
            await access.audit(
                session,
                principal,
                interaction=BREAK_GLASS if glass and glass.allowed else "read",
                rtype="Patient",
                rid=None,
                patient_key=patient_key,
                outcome="4",
                detail="crisis summary: " + ("no such patient" if allowed else "denied"),
            )
            await uow.commit()
            if allowed or access.POLICY.trusts(principal):
                raise Problem(404, "Not found", "no patient with that NHS number", code="not-found")
            if RAPID_RESPONSE_ROLE in principal.roles:
                raise Problem(
                    403,
                    "Forbidden",
                    f"not on this patient's care team: state why you need emergency access in "
                    f"the {REASON_HEADER} header to break the glass (it is audited)",
                    code="break-glass-reason-required",
                )
            raise Problem(403, "Forbidden", access.NOT_PERMITTED, code="forbidden")
        rows = (
            await session.execute(
                sa.select(resource.c.content).where(
                    resource.c.patient_id == patient.id,
                    resource.c.type.in_(("CarePlan", "Flag")),
                    resource.c.deleted.is_(False),
                )
            )
        ).all()
        await access.audit(
            session,
            principal,
            interaction="read" if on_team else BREAK_GLASS,
            rtype="Patient",
            rid=patient.id,
            patient_key=patient_key,
            detail="crisis summary" if on_team else f"break-glass: {reason}",
        )
        await uow.commit()
    contents = [r.content for r in rows]
    summary = crisis_summary(
        patient.id,
        plans=[c for c in contents if c["resourceType"] == "CarePlan"],
        flags=[c for c in contents if c["resourceType"] == "Flag"],
        at=now,
    )
    bundle = as_bundle(summary, base_url=fhir_base(request))
    bundle["timestamp"] = now.isoformat().replace("+00:00", "Z")
    return FhirResponse(bundle)
