"""Population data: practices, patients, activity, loads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "stratification"


def upgrade() -> None:
    op.create_table(
        "practice",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("locality", sa.String(8), nullable=False),
        sa.Column("postcode", sa.String(8)),
        sa.Column("easting", sa.Integer),
        sa.Column("northing", sa.Integer),
        schema=SCHEMA,
    )
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nhs_number", sa.String(10), nullable=False, unique=True),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column(
            "practice_code", sa.String(6), sa.ForeignKey(f"{SCHEMA}.practice.code"), nullable=False
        ),
        sa.Column("postcode", sa.String(8)),
        sa.Column("easting", sa.Integer),
        sa.Column("northing", sa.Integer),
        schema=SCHEMA,
    )
    op.create_index("ix_patient_practice", "patient", ["practice_code"], schema=SCHEMA)
    op.create_table(
        "activity",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey(f"{SCHEMA}.patient.id"), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("icd10_primary", sa.String(8), nullable=False),
        sa.Column("icd10_secondary", ARRAY(sa.String(8)), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_activity_patient", "activity", ["patient_id", "occurred_on"], schema=SCHEMA)
    op.create_table(
        "population_load",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("seed", sa.BigInteger),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("patients", sa.Integer, nullable=False),
        sa.Column("activity_rows", sa.BigInteger, nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("population_load", "activity", "patient", "practice"):
        op.drop_table(table, schema=SCHEMA)
