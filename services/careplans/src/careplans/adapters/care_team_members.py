"""Care-team participants in rows, so a read checks need-to-know in the statement that reads.

Each row is one participant of one CareTeam as need-to-know sees it (fhir/care_teams.py:
a practitioner and/or an organisation, for a period, on a team with a status). The rows are
rewritten with the team in the same transaction, and a deleted team has none.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.resource_tables import among
from careplans.domain.access import TEAM_STATUSES_GRANTING, Grants, PatientCareTeam
from careplans.fhir.care_teams import patient_care_team


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("team_status", sa.String(32), nullable=False),
        sa.Column("practitioner_id", sa.String(64)),
        sa.Column("organisation_id", sa.String(64)),
        sa.Column("starts", sa.DateTime(timezone=True)),
        sa.Column("ends", sa.DateTime(timezone=True)),
    ]


def care_team_member_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "care_team_member",
        metadata,
        *_columns(),
        sa.Index("ix_care_team_member_patient", "patient_id"),
    )


def create_care_team_member_table(op: Any, schema: str) -> None:
    op.create_table("care_team_member", *_columns(), schema=schema)
    op.create_index(
        "ix_care_team_member_patient", "care_team_member", ["patient_id"], schema=schema
    )


def member_rows(team_id: str, team: PatientCareTeam | None) -> list[dict[str, Any]]:
    if team is None:
        return []
    return [
        {
            "team_id": team_id,
            "position": n,
            "patient_id": team.patient_id,
            "team_status": team.status,
            "practitioner_id": p.practitioner_id,
            "organisation_id": p.organisation_id,
            "starts": p.start,
            "ends": p.end,
        }
        for n, p in enumerate(team.participants)
    ]


async def replace_members(
    session: AsyncSession, table: sa.Table, content: dict[str, Any], *, deleted: bool
) -> None:
    """The team's rows as its new version says (none once it is deleted)."""
    team_id = content["id"]
    await session.execute(sa.delete(table).where(table.c.team_id == team_id))
    rows = [] if deleted else member_rows(team_id, patient_care_team(content))
    if rows:
        await session.execute(sa.insert(table), rows)


async def reaches(
    session: AsyncSession, table: sa.Table, *, grants: Grants, patient_id: str, at: Any
) -> bool:
    """Whether a participant the grants name is on one of the patient's granting care teams at
    `at` (the care-team part of Grants.allows, answered by the store)."""
    who = [
        table.c.organisation_id == grants.organisation if grants.organisation else None,
        table.c.practitioner_id == grants.practitioner if grants.practitioner else None,
    ]
    routes = [w for w in who if w is not None]
    if not routes:
        return False
    found = await session.execute(
        sa.select(
            sa.exists().where(
                table.c.patient_id == patient_id,
                among(table.c.team_status, TEAM_STATUSES_GRANTING),
                sa.or_(table.c.starts.is_(None), table.c.starts <= at),
                sa.or_(table.c.ends.is_(None), table.c.ends > at),
                sa.or_(*routes),
            )
        )
    )
    return bool(found.scalar())
