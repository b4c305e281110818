"""Referral mix report: routes, localities, months, the 80/20 split, triage outcomes, timing."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from cch_auth import Principal
from cch_servicekit import Problem, RuntimeDep, require_roles
from referrals.adapters.referral_store import ReferralStore
from referrals.adapters.referral_tables import referral
from referrals.api.deps import ClockDep, audit
from referrals.domain.exclusions import add_months
from referrals.domain.mix_report import referral_mix

router = APIRouter(tags=["reports"])
Reader = Annotated[
    Principal, Depends(require_roles("commissioner", "case-manager", "clinician", "ops"))
]


@router.get("/reports/referral-mix", summary="Referral mix for a period (default: last 12 months)")
async def referral_mix_report(
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: Reader,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    today = clock.now().date()
    end = end or today
    start = start or add_months(end.replace(day=1), -11)
    if end < start:
        raise Problem(422, "Bad period", "end must be on or after start", code="invalid-period")
    if (end - start).days > 3 * 366:
        raise Problem(
            422, "Bad period", "report at most three years at once", code="invalid-period"
        )
    lo = datetime.combine(start, time.min, UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, UTC)
    async with runtime.uow() as uow:
        found = await ReferralStore(uow.session).referrals_where(
            referral.c.received_at >= lo, referral.c.received_at < hi
        )
        await audit(
            uow.session,
            principal,
            interaction="search",
            resource_id=None,
            patient_key=None,
            resource_type="ReferralMix",
            detail=f"{start}..{end}: {len(found)} referrals (aggregate only)",
        )
        await uow.commit()
    report = referral_mix(found, start=start, end=end)
    return dataclasses.asdict(report)
