"""Ingest jobs (state and progress, pollable, kept as a load log) and the staging tables.

Staging tables are unlogged and only ever hold rows inside an ingest transaction (the service's
role may not create temporary tables).

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

SCHEMA = "stratification"


def upgrade() -> None:
    op.create_table(
        "ingest_job",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("rows_read", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("rows_loaded", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("errors", JSONB),
        sa.Column("result", JSONB),
        sa.Column("detail", sa.Text),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index("ix_ingest_job_created", "ingest_job", ["created_at"], schema=SCHEMA)
    op.execute(
        f"CREATE UNLOGGED TABLE {SCHEMA}.staged_patient (ord int NOT NULL, "
        "nhs_number text NOT NULL, sex text NOT NULL, birth_date date NOT NULL, "
        "practice_code text NOT NULL, postcode text, easting int, northing int)"
    )
    op.execute(
        f"CREATE UNLOGGED TABLE {SCHEMA}.staged_activity (line int NOT NULL, "
        "nhs_number text NOT NULL, patient_id int NOT NULL, occurred_on date NOT NULL, "
        "kind text NOT NULL, icd10_primary text NOT NULL, icd10_secondary text[] NOT NULL)"
    )


def downgrade() -> None:
    op.drop_table("staged_activity", schema=SCHEMA)
    op.drop_table("staged_patient", schema=SCHEMA)
    op.drop_table("ingest_job", schema=SCHEMA)
