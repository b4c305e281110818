"""Cases follow their referral: inclusion time, referral status, attention flag.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "caseload"


def upgrade() -> None:
    op.add_column("cases", sa.Column("included_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("cases", sa.Column("referral_status", sa.String(32)), schema=SCHEMA)
    op.add_column("cases", sa.Column("attention", JSONB), schema=SCHEMA)
    op.create_index(
        "ix_cases_attention",
        "cases",
        ["locality"],
        schema=SCHEMA,
        postgresql_where=sa.text("attention IS NOT NULL AND status IN ('waiting', 'active')"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_attention", table_name="cases", schema=SCHEMA)
    op.drop_column("cases", "attention", schema=SCHEMA)
    op.drop_column("cases", "referral_status", schema=SCHEMA)
    op.drop_column("cases", "included_at", schema=SCHEMA)
