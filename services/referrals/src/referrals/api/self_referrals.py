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
from referrals.api.triage import when_to_see_json
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
    see_from: str | None = Field(
        default=None,
        max_length=40,
        examples=["2027-03-01"],
        description="The first day the patient can be seen (today to six months ahead)",
    )
    see_by: str | None = Field(
        default=None,
        max_length=40,
        examples=["2027-03-14"],
        description="The day by which the patient would like to be seen (on or after see_from)",
    )


_DATE_LABELS = {
    "birth_date": "your date of birth as YYYY-MM-DD, like 1948-03-14",
    "see_from": "the date you can be seen from as YYYY-MM-DD, like 2027-03-01",
    "see_by": "the date you would like to be seen by as YYYY-MM-DD, like 2027-03-14",
}


def _dates(body: SelfReferralBody) -> tuple[dict[str, date | None], list[FieldProblem]]:
    """The form's dates (YYYY-MM-DD), and a plain-words problem for each one not a date."""
    found: dict[str, date | None] = {}
    problems: list[FieldProblem] = []
    for field, label in _DATE_LABELS.items():
        text = getattr(body, field)
        found[field] = None
        if text is None or not text.strip():
            continue
        try:
            found[field] = date.fromisoformat(text.strip())
        except ValueError:
            problems.append(FieldProblem(field, f"Enter {label}"))
    return found, problems


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
    dates, date_problems = _dates(body)
    form = SelfReferralForm(
        given_name=body.given_name,
        family_name=body.family_name,
        birth_date=dates["birth_date"],
        postcode=body.postcode,
        reason=body.reason,
        consent=body.consent,
        nhs_number=body.nhs_number,
        phone=body.phone,
        email=body.email,
        practice_code=body.practice_code,
        submission_id=body.submission_id,
        see_from=dates["see_from"],
        see_by=dates["see_by"],
    )
    unreadable = {p.field for p in date_problems}
    try:
        checked = validate_self_referral(form, now=clock.now())
    except InvalidSelfReferral as error:
        problems = [p for p in error.problems if p.field not in unreadable]
        raise InvalidSelfReferral(problems + date_problems) from None
    if date_problems:
        raise InvalidSelfReferral(date_problems)
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
        "when_to_see": when_to_see_json(received.referral.when_to_see),
    }
