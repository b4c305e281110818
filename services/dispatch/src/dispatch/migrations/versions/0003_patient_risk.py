"""The latest stratification tier per patient, for referring high-risk patients on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.create_table(
        "patient_risk",
        sa.Column("patient_key", sa.String(128), primary_key=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("patient_risk", schema=SCHEMA)
