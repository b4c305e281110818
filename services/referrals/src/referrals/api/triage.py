"""MDT triage: the worklist per practice or cluster, include / exclude decisions, reversals."""

from datetime import date
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from cch_auth import Principal
from cch_servicekit import Problem, RuntimeDep, require_roles
from referrals.adapters.referral_state import decision_to_json
from referrals.adapters.referral_store import ReferralStore
from referrals.adapters.referral_tables import referral as referral_table
from referrals.api.deps import TRIAGE_ROLES, ClockDep, audit
from referrals.domain.decisions import ExclusionReason
from referrals.domain.occurrence import WhenToSee
from referrals.domain.references import DECIDER_KINDS, Reference, practitioner
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Locality, MostPressingNeed, NeedLevel, ReferralStatus
from referrals.domain.worklist import WorklistOrder, due_at, end_of_day, worklist
from referrals.service_layer.referrals import (
    Exclusion,
    Inclusion,
    Replacement,
    UnknownReferral,
    decide_exclude,
    decide_include,
    load,
    reverse_decision,
)

router = APIRouter(tags=["triage"])
Triager = Annotated[Principal, Depends(require_roles(*TRIAGE_ROLES))]


class Include(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["include"]
    need_level: NeedLevel
    eligibility_criteria: list[str] = Field(min_length=1, max_length=20)
    locality: Locality | None = None
    most_pressing_need: MostPressingNeed | None = None
    decided_by: str | None = Field(
        default=None, description="Practitioner/<id>; defaults to the caller's practitioner id"
    )
    note: str = Field(default="", max_length=2000)
    expected_version: int | None = Field(default=None, ge=1)


class Exclude(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["exclude"]
    reason: ExclusionReason
    reason_text: str = Field(default="", max_length=2000)
    next_review_on: date | None = Field(
        default=None, description="Default: six months after the decision (seed: no monthly repeat)"
    )
    decided_by: str | None = None
    expected_version: int | None = Field(default=None, ge=1)


Decision = Annotated[Include | Exclude, Field(discriminator="decision")]


class Reversal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    reversed_by: str | None = None
    then: Decision | None = Field(
        default=None,
        description="The decision that replaces the reversed one (omit to reopen the referral)",
    )


def _replacement(then: Include | Exclude | None) -> Replacement | None:
    if isinstance(then, Include):
        return Inclusion(
            need_level=then.need_level,
            eligibility_criteria=then.eligibility_criteria,
            locality=then.locality,
            most_pressing_need=then.most_pressing_need,
            note=then.note,
        )
    if isinstance(then, Exclude):
        return Exclusion(
            reason=then.reason, reason_text=then.reason_text, next_review_on=then.next_review_on
        )
    return None


def when_to_see_json(when: WhenToSee | None) -> dict[str, str | None] | None:
    """As the referrer wrote it (one moment `at`, or a window `start`/`end`) with its instants."""
    if when is None:
        return None
    return {
        "at": when.at.text if when.at else None,
        "start": when.start.text if when.start else None,
        "end": when.end.text if when.end else None,
        "see_from": when.earliest.isoformat() if when.earliest else None,
        "see_by": when.latest.isoformat() if when.latest else None,
    }


def summary(r: Referral) -> dict[str, Any]:
    """The referral as the MDT and reports see it (JSON, no demographics)."""
    due = due_at(r)
    return {
        "id": r.referral_id,
        "patient_key": r.patient.patient_key,
        "nhs_number": r.patient.nhs_number,
        "status": r.status.value,
        "status_reason": r.status_reason,
        "priority": r.priority.value,
        "route": r.route.value,
        "routes": [x.value for x in r.routes],
        "practice_code": r.practice_code,
        "locality": r.locality.value if r.locality else None,
        "tier": r.tier.value if r.tier else None,
        "requester": r.requester.text,
        "received_at": r.received_at.isoformat(),
        "when_to_see": when_to_see_json(r.when_to_see),
        "due_at": due.isoformat() if due else None,
        "version": r.version,
        "reasons": [{"system": x.system, "code": x.code, "display": x.display} for x in r.reasons],
        "crisis": {"postcode": r.crisis.postcode, "reason": r.crisis.reason} if r.crisis else None,
        "decisions": [decision_to_json(d) for d in r.decisions],
    }


def _decider(text: str | None, principal: Principal) -> Reference:
    if text:
        return Reference.parse(text, allowed=DECIDER_KINDS)
    if principal.practitioner_id:
        return practitioner(principal.practitioner_id)
    raise Problem(
        422,
        "Who decided?",
        "name the practitioner who decided (decided_by: Practitioner/<id>)",
        code="decided-by-required",
    )


def _not_found(error: UnknownReferral) -> Problem:
    return Problem(404, "Not Found", str(error), code="not-found")


@router.get("/triage/worklist", summary="Referrals awaiting the MDT, for practices or a locality")
async def triage_worklist(
    runtime: RuntimeDep,
    principal: Triager,
    practice: Annotated[list[str] | None, Query(description="ODS code; repeat or comma")] = None,
    locality: Locality | None = None,
    sort: Annotated[
        WorklistOrder,
        Query(description="priority: urgent, tier, oldest; when-to-see: urgent, soonest due"),
    ] = WorklistOrder.PRIORITY,
    due_by: Annotated[
        date | None,
        Query(description="Only referrals due to be seen by the end of this day (YYYY-MM-DD)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    codes = sorted({c.strip().upper() for p in practice or [] for c in p.split(",") if c.strip()})
    conditions = [referral_table.c.status == ReferralStatus.ACTIVE.value]
    if codes:
        conditions.append(referral_table.c.practice_code.in_(codes))
    if locality:
        conditions.append(referral_table.c.locality == locality.value)
    if due_by:
        due = sa.func.coalesce(referral_table.c.see_by, referral_table.c.see_from)
        conditions.append(due <= end_of_day(due_by))
    async with runtime.uow() as uow:
        found = await ReferralStore(uow.session).referrals_where(*conditions)
        ordered = worklist(
            found, practice_codes=codes or None, locality=locality, order=sort, due_by=due_by
        )[:limit]
        await audit(
            uow.session,
            principal,
            interaction="search",
            resource_id=None,
            patient_key=None,
            resource_type="Referral",
            detail=(
                f"worklist practices={','.join(codes) or 'all'} sort={sort.value} "
                f"due_by={due_by.isoformat() if due_by else '-'} {len(ordered)} listed"
            ),
        )
        await uow.commit()
    return {
        "practices": codes,
        "locality": locality.value if locality else None,
        "sort": sort.value,
        "due_by": due_by.isoformat() if due_by else None,
        "total": len(ordered),
        "referrals": [summary(r) for r in ordered],
    }


@router.get("/referrals/{referral_id}", summary="One referral with its triage decisions")
async def get_referral(referral_id: str, runtime: RuntimeDep, principal: Triager) -> dict[str, Any]:
    async with runtime.uow() as uow:
        try:
            found = await load(ReferralStore(uow.session), referral_id)
        except UnknownReferral as error:
            raise _not_found(error) from None
        await audit(
            uow.session,
            principal,
            interaction="read",
            resource_id=referral_id,
            patient_key=found.patient.patient_key,
            resource_type="Referral",
        )
        await uow.commit()
    return summary(found)


@router.post(
    "/referrals/{referral_id}/decisions",
    status_code=201,
    summary="Record the MDT's include or exclude decision",
)
async def record_decision(
    referral_id: str,
    body: Decision,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: Triager,
) -> dict[str, Any]:
    decider = _decider(body.decided_by, principal)
    async with runtime.uow() as uow:
        try:
            if isinstance(body, Include):
                done = await decide_include(
                    uow,
                    referral_id,
                    need_level=body.need_level,
                    eligibility_criteria=body.eligibility_criteria,
                    decided_by=decider,
                    clock=clock,
                    actor=principal.actor,
                    locality=body.locality,
                    most_pressing_need=body.most_pressing_need,
                    note=body.note,
                    expected_version=body.expected_version,
                )
            else:
                done = await decide_exclude(
                    uow,
                    referral_id,
                    reason=body.reason,
                    reason_text=body.reason_text,
                    decided_by=decider,
                    clock=clock,
                    actor=principal.actor,
                    next_review_on=body.next_review_on,
                    expected_version=body.expected_version,
                )
        except UnknownReferral as error:
            raise _not_found(error) from None
        await audit(
            uow.session,
            principal,
            interaction="update",
            resource_id=referral_id,
            patient_key=done.referral.patient.patient_key,
            resource_type="Referral",
            detail=f"triage decision {done.decision.version}: {done.decision.kind.value}",
        )
        await uow.commit()
    return {"decision": decision_to_json(done.decision), "referral": summary(done.referral)}


@router.post(
    "/referrals/{referral_id}/decisions/{version}/reverse",
    status_code=201,
    summary="Reverse the standing decision (with a reason); reopen, or record its replacement",
)
async def reverse(
    referral_id: str,
    version: int,
    body: Reversal,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: Triager,
) -> dict[str, Any]:
    by = _decider(body.reversed_by, principal)
    async with runtime.uow() as uow:
        try:
            done = await reverse_decision(
                uow,
                referral_id,
                version,
                reason=body.reason,
                reversed_by=by,
                clock=clock,
                actor=principal.actor,
                then=_replacement(body.then),
            )
        except UnknownReferral as error:
            raise _not_found(error) from None
        replaced = f", replaced by {body.then.decision}" if body.then else ""
        await audit(
            uow.session,
            principal,
            interaction="update",
            resource_id=referral_id,
            patient_key=done.referral.patient.patient_key,
            resource_type="Referral",
            detail=f"decision {version} reversed{replaced}",
        )
        await uow.commit()
    return {"decision": decision_to_json(done.decision), "referral": summary(done.referral)}
