"""Patients' latest risk tiers as stratification announced them (no other service's schema)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.adapters.tables import patient_risk
from dispatch.domain.outcomes import is_high_risk_tier


async def record_tier(
    session: AsyncSession, patient_key: str, *, tier: str, effective_at: datetime, run_id: str
) -> None:
    """Keep the newest tier; an older run arriving late does not overwrite a newer one."""
    stmt = insert(patient_risk).values(
        patient_key=patient_key, tier=tier, effective_at=effective_at, run_id=run_id
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[patient_risk.c.patient_key],
            set_={"tier": tier, "effective_at": effective_at, "run_id": run_id},
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
