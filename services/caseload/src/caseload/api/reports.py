"""Caseload figures for team leads and commissioners, against the seed's modelled numbers."""

from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from caseload.adapters.case_rows import case_from_row
from caseload.adapters.tables import OPEN_STATUSES, cases
from caseload.api.deps import ClockDep, ReportReader
from caseload.config import Settings
from caseload.domain.modelled_numbers import ModelledBasis
from caseload.domain.reports import (
    caseload_by_locality,
    caseload_by_manager,
    caseload_by_team,
    overdue_by_owner,
    reviews_overdue,
)
from caseload.domain.review_schedule import review_day
from caseload.domain.vocabulary import CaseStatus
from caseload.service_layer.state import read_caseloads
from cch_servicekit import RuntimeDep

router = APIRouter(tags=["reports"])


@router.get("/reports/caseloads")
async def caseload_report(
    runtime: RuntimeDep,
    _: ReportReader,
    clock: ClockDep,
    basis: ModelledBasis = ModelledBasis.PROJECTED_1_TO_3_LTC,
) -> dict[str, Any]:
    """By case manager, team and locality; utilisation; waiting; overdue; against modelled."""
    now = clock.now()
    settings = runtime.settings
    scale = settings.modelled_scale if isinstance(settings, Settings) else 1.0
    async with runtime.uow() as uow:
        caseloads = await read_caseloads(uow)
        rows = await uow.session.execute(
            sa.select(cases).where(
                cases.c.status == CaseStatus.ACTIVE.value,
                cases.c.next_review_on < review_day(now),
            )
        )
        overdue = reviews_overdue([case_from_row(r) for r in rows], now)
        withdrawn: dict[str, int] = dict(
            (
                await uow.session.execute(
                    sa.select(cases.c.locality, sa.func.count())
                    .where(cases.c.status == CaseStatus.WITHDRAWN.value)
                    .group_by(cases.c.locality)
                )
            ).all()
        )
        flagged = await uow.session.scalar(
            sa.select(sa.func.count()).where(
                cases.c.attention.is_not(None), cases.c.status.in_(OPEN_STATUSES)
            )
        )
    by_locality = caseload_by_locality(
        caseloads.workforce, caseloads.ledger, basis=basis, scale=scale
    )
    return {
        "as_of": now,
        "modelled_basis": basis.value,
        "modelled_scale": scale,
        "by_locality": [
            {
                **asdict(r),
                "locality": r.locality.value if r.locality else "county",
                "case_managed": r.case_managed,
                "open_cases": r.open_cases,
                "share_of_modelled": round(r.share_of_modelled, 4),
                "utilisation": round(r.utilisation, 4),
            }
            for r in by_locality
        ],
        "by_team": [
            {**asdict(r), "utilisation": round(r.utilisation, 4)}
            for r in caseload_by_team(caseloads.workforce, caseloads.ledger)
        ],
        "by_case_manager": [
            {**asdict(r), "utilisation": round(r.utilisation, 4), "over_capacity": r.over_capacity}
            for r in caseload_by_manager(caseloads.workforce, caseloads.ledger)
        ],
        "waiting": len(caseloads.waiting),
        # cases that should not have been opened (entered in error, inclusion withdrawn): closed,
        # capacity released, and not counted as discharges
        "withdrawn": {"total": sum(withdrawn.values()), "by_locality": withdrawn},
        "needs_attention": flagged or 0,
        "reviews_overdue": {
            "total": len(overdue),
            "by_owner": overdue_by_owner(overdue),
            "most_overdue": [asdict(r) for r in overdue[:20]],
        },
    }
