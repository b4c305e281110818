"""Patients' latest risk tiers as stratification announced them (no other service's schema)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.adapters.tables import patient_risk
from dispatch.domain.outcomes import is_high_risk_tier


@dataclass(frozen=True, slots=True)
class TierNotice:
    """One patient's tier as a stratification run announced it."""

    patient_key: str
    tier: str
    effective_at: datetime
    run_id: str


async def record_tiers(session: AsyncSession, notices: Iterable[TierNotice]) -> None:
    """Keep each patient's newest tier in one statement; an older run arriving late does not
    overwrite a newer one (a county run announces tens of thousands of changes at once)."""
    newest: dict[str, TierNotice] = {}
    for notice in notices:
        kept = newest.get(notice.patient_key)
        if kept is None or kept.effective_at <= notice.effective_at:
            newest[notice.patient_key] = notice
    if not newest:
        return
    stmt = insert(patient_risk).values(
        [
            {
                "patient_key": n.patient_key,
                "tier": n.tier,
                "effective_at": n.effective_at,
                "run_id": n.run_id,
            }
            for n in newest.values()
        ]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[patient_risk.c.patient_key],
            set_={
                "tier": stmt.excluded.tier,
                "effective_at": stmt.excluded.effective_at,
                "run_id": stmt.excluded.run_id,
            },
            where=patient_risk.c.effective_at <= stmt.excluded.effective_at,
        )
    )


async def tier_of(session: AsyncSession, patient_key: str) -> str | None:
    """The patient's latest known tier, if stratification has placed them."""
    return (
        await session.execute(
            sa.select(patient_risk.c.tier).where(patient_risk.c.patient_key == patient_key)
        )
    ).scalar_one_or_none()


async def is_high_risk(session: AsyncSession, patient_key: str) -> bool:
    """High or highest tier."""
    return is_high_risk_tier(await tier_of(session, patient_key))
