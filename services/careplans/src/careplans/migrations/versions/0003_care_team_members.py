"""Care-team participants as rows (need-to-know checked in the read statement), backfilled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from careplans.adapters.care_team_members import create_care_team_member_table, member_rows
from careplans.fhir.care_teams import patient_care_team

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "careplans"


def upgrade() -> None:
    create_care_team_member_table(op, SCHEMA)
    bind = op.get_bind()
    teams = bind.execute(
        sa.text(
            f"SELECT id, content FROM {SCHEMA}.resource WHERE type = 'CareTeam' AND NOT deleted"
        ).columns(id=sa.String, content=JSONB)
    )
    rows = [r for team in teams for r in member_rows(team.id, patient_care_team(team.content))]
    if rows:
        table = sa.table(
            "care_team_member",
            *(sa.column(c) for c in rows[0]),
            schema=SCHEMA,
        )
        bind.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.drop_table("care_team_member", schema=SCHEMA)
