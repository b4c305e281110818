"""The predictive report's cohort, straight from the current tiers and what we learned."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cch_contracts import patient_key
from stratification.adapters.run_tables import case_managed, current_tier, exclusion_note, gp_flag
from stratification.adapters.tables import patient, practice


async def cohort(conn: AsyncConnection, *, practices: list[str], on: date) -> list[dict[str, Any]]:
    """Highest and High tier patients of the practices, with their report flags."""
    rows = (
        (
            await conn.execute(
                sa.select(
                    patient.c.id,
                    patient.c.nhs_number,
                    patient.c.birth_date,
                    patient.c.practice_code,
                    practice.c.locality,
                    current_tier.c.tier,
                    current_tier.c.previous_tier,
                    current_tier.c.probability,
                    current_tier.c.run_id,
                )
                .join(current_tier, current_tier.c.patient_id == patient.c.id)
                .join(practice, practice.c.code == patient.c.practice_code)
                .where(patient.c.practice_code.in_(practices))
                .where(current_tier.c.tier.in_(["highest", "high"]))
                .order_by(current_tier.c.probability.desc())
            )
        )
        .mappings()
        .all()
    )
    keys = {r["id"]: patient_key(r["nhs_number"]) for r in rows}
    wanted = list(keys.values())
    excluded = {
        r.patient_key: r.next_review_on
        for r in await conn.execute(
            sa.select(exclusion_note.c.patient_key, exclusion_note.c.next_review_on).where(
                exclusion_note.c.patient_key.in_(wanted)
            )
        )
    }
    managed = set(
        (
            await conn.execute(
                sa.select(case_managed.c.patient_key).where(case_managed.c.patient_key.in_(wanted))
            )
        ).scalars()
    )
    flagged = set(
        (
            await conn.execute(
                sa.select(gp_flag.c.patient_key).where(gp_flag.c.patient_key.in_(wanted))
            )
        ).scalars()
    )
    report = []
    for r in rows:
        key = keys[r["id"]]
        review_on = excluded.get(key)
        if review_on is not None and on < review_on:
            continue  # the MDT excluded them: off the report until the next review date
        report.append(
            {
                "patient_key": key,
                "nhs_number": r["nhs_number"],
                "birth_date": r["birth_date"].isoformat(),
                "practice_code": r["practice_code"],
                "locality": r["locality"],
                "tier": r["tier"],
                "probability": round(r["probability"], 4),
                "new": r["previous_tier"] not in ("highest", "high"),
                "case_managed": key in managed,
                "gp_flagged": key in flagged,
                "returned_from_exclusion": review_on is not None,
            }
        )
    return report
