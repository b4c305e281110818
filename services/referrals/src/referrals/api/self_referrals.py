"""Self-referral: the plain JSON API a web form or phone line calls (problem+json on errors)."""

import hashlib
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from cch_contracts import patient_key
from cch_servicekit import PrincipalDep, RuntimeDep
from referrals.api.deps import ClockDep, accessor
from referrals.domain.deduplication import ArrivalOutcome
from referrals.domain.errors import FieldProblem, InvalidSelfReferral
from referrals.domain.self_referral import SelfReferralForm, validate_self_referral
from referrals.service_layer.referrals import receive

router = APIRouter(tags=["self-referral"])


class SelfReferralBody(BaseModel):
    """Loosely typed on purpose: the domain explains every problem in plain words at once."""

    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(default="", max_length=500)
    family_name: str = Field(default="", max_length=500)
    birth_date: str | None = Field(default=None, max_length=40, examples=["1948-03-14"])
    postcode: str = Field(default="", max_length=40)
    reason: str = Field(default="", max_length=5000)
    consent: bool = False
    nhs_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=60)
    email: str | None = Field(default=None, max_length=500)
    practice_code: str | None = Field(default=None, max_length=20)
    submission_id: str | None = Field(
        default=None, max_length=100, description="The form's own id: a resend returns the same"
    )


def _birth_date(text: str | None) -> tuple[date | None, FieldProblem | None]:
    if text is None or not text.strip():
        return None, None
    try:
        return date.fromisoformat(text.strip()), None
    except ValueError:
        return None, FieldProblem("birth_date", "Enter your date of birth as YYYY-MM-DD")


def _patient_key(nhs_number: str | None, submission_id: str | None) -> str:
    """The NHS number's key; untraced patients get one per form (a resend keeps it)."""
    if nhs_number:
        return patient_key(nhs_number)
    if submission_id:
        digest = hashlib.sha256(submission_id.encode()).hexdigest()[:32]
        return f"pk-self-{digest}"
    return f"pk-self-{uuid.uuid4().hex}"


@router.post("/self-referrals", status_code=201, summary="A patient refers themselves")
async def self_refer(
    body: SelfReferralBody,
    response: Response,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    birth_date, date_problem = _birth_date(body.birth_date)
    form = SelfReferralForm(
        given_name=body.given_name,
        family_name=body.family_name,
        birth_date=birth_date,
        postcode=body.postcode,
        reason=body.reason,
        consent=body.consent,
        nhs_number=body.nhs_number,
        phone=body.phone,
        email=body.email,
        practice_code=body.practice_code,
        submission_id=body.submission_id,
    )
    try:
        checked = validate_self_referral(form, now=clock.now())
    except InvalidSelfReferral as error:
        problems = list(error.problems)
        if date_problem:
            problems = [p for p in problems if p.field != "birth_date"] + [date_problem]
        raise InvalidSelfReferral(problems) from None
    if date_problem:
        raise InvalidSelfReferral([date_problem])
    key = _patient_key(checked.nhs_number, checked.submission_id)
    request = checked.request(patient_key=key, patient_id=key)
    async with runtime.uow() as uow:
        received = await receive(
            uow,
            request,
            clock=clock,
            actor=principal.actor,
            accessor=accessor(principal, detail_prefix="self-referral"),
        )
        await uow.commit()
    if received.outcome is not ArrivalOutcome.CREATED:
        response.status_code = 200
    response.headers["Location"] = f"/fhir/ServiceRequest/{received.referral.referral_id}"
    return {
        "referral_id": received.referral.referral_id,
        "outcome": received.outcome.value,
        "status": received.referral.status.value,
        "routes": [r.value for r in received.referral.routes],
        "received_at": received.referral.received_at.isoformat(),
    }
