"""`cch-dispatch seed`: a default rapid-response roster at Shropshire bases (idempotent)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from cch_db import create_engine
from cch_servicekit import ServiceSettings
from dispatch.adapters.tables import clinicians

# Approximate OSGB36 easting/northing of each team base (town centres, to ~1 km).
BASES: dict[str, tuple[float, float]] = {
    "Shrewsbury": (349_200, 312_600),
    "Oswestry": (329_000, 329_500),
    "Market Drayton": (367_400, 334_000),
    "Bridgnorth": (371_700, 293_000),
    "Ludlow": (351_200, 274_900),
    "Whitchurch": (354_200, 341_500),
}

# (id, name, base, skills): mostly prescribing ANPs, with the rarer skills spread across bases.
DEFAULT_ROSTER: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("anp-shr-1", "Amira Shah", "Shrewsbury", ("prescribing", "iv", "catheter")),
    ("anp-shr-2", "Ben Hughes", "Shrewsbury", ("prescribing", "wound-care", "falls")),
    ("anp-shr-3", "Cara Jones", "Shrewsbury", ("prescribing", "palliative")),
    ("anp-osw-1", "Dafydd Evans", "Oswestry", ("prescribing", "catheter", "falls")),
    ("anp-osw-2", "Ellen Price", "Oswestry", ("prescribing", "iv")),
    ("anp-mkd-1", "Faisal Khan", "Market Drayton", ("prescribing", "wound-care")),
    ("anp-mkd-2", "Grace Lloyd", "Market Drayton", ("prescribing", "catheter", "iv")),
    ("anp-bri-1", "Harry Morgan", "Bridgnorth", ("prescribing", "falls", "palliative")),
    ("anp-bri-2", "Isla Turner", "Bridgnorth", ("prescribing", "iv", "wound-care")),
    ("anp-lud-1", "Jack Powell", "Ludlow", ("prescribing", "catheter", "palliative")),
    ("anp-lud-2", "Kiran Patel", "Ludlow", ("prescribing", "falls")),
    ("anp-whi-1", "Laura Davies", "Whitchurch", ("prescribing", "iv", "catheter")),
)

# The seeded roster is a standing one; shift handover is driven through the roster, not the seed.
SHIFT_START = datetime(2020, 1, 1, tzinfo=UTC)
SHIFT_END = datetime(2100, 1, 1, tzinfo=UTC)


def roster_rows() -> list[dict[str, object]]:
    """Rows for the default roster, available at base."""
    rows: list[dict[str, object]] = []
    for cid, name, base, skills in DEFAULT_ROSTER:
        easting, northing = BASES[base]
        rows.append(
            {
                "id": cid,
                "name": name,
                "skills": list(skills),
                "base_name": base,
                "base_easting": easting,
                "base_northing": northing,
                "easting": easting,
                "northing": northing,
                "position_at": None,
                "status": "available",
                "request_id": None,
                "shift_start": SHIFT_START,
                "shift_end": SHIFT_END,
                "leaving_after_job": False,
            }
        )
    return rows


async def seed_roster(engine: AsyncEngine) -> int:
    """Insert the default roster; clinicians already present are left as they are."""
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(clinicians).values(roster_rows()).on_conflict_do_nothing(index_elements=["id"])
        )
        count = await conn.scalar(sa.select(sa.func.count()).select_from(clinicians))
    print(f"dispatch: roster has {count} clinicians ({result.rowcount} added)", flush=True)
    return int(result.rowcount or 0)


def seed_default_roster(settings: ServiceSettings, _population: int) -> int:
    """CLI entry: `cch-dispatch seed`."""

    async def run() -> None:
        engine = create_engine(settings.database_url, schema="dispatch", pool_size=1)
        try:
            await seed_roster(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0
