"""Model registry, runs, scores, tiers, exclusion notes, case management, GP flags.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "stratification"


def upgrade() -> None:
    op.create_table(
        "model_version",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("training_window", JSONB, nullable=False),
        sa.Column("features", JSONB, nullable=False),
        sa.Column("artefact", JSONB, nullable=False),
        sa.Column("metrics", JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "run",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("model_version", sa.String(64)),
        sa.Column("snapshot_id", sa.String(64), nullable=False),
        sa.Column("practice_code", sa.String(6)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.String(200), nullable=False, server_default=""),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("index_date", sa.Date),
        sa.Column("counts", JSONB),
        sa.Column("error", sa.Text),
        schema=SCHEMA,
    )
    # at most one run in progress, enforced by the database
    op.create_index(
        "ux_run_in_progress",
        "run",
        ["status"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_table(
        "patient_score",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.Integer, primary_key=True),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("tier", sa.String(8), nullable=False),
        sa.Column("factors", ARRAY(sa.Text), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_patient_score_patient", "patient_score", ["patient_id"], schema=SCHEMA)
    op.create_table(
        "current_tier",
        sa.Column("patient_id", sa.Integer, primary_key=True),
        sa.Column("tier", sa.String(8), nullable=False),
        sa.Column("previous_tier", sa.String(8)),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "exclusion_note",
        sa.Column("patient_key", sa.String(64), primary_key=True),
        sa.Column("referral_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("next_review_on", sa.Date, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "case_managed",
        sa.Column("patient_key", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "gp_flag",
        sa.Column("patient_key", sa.String(64), primary_key=True),
        sa.Column("referral_id", sa.String(64), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "gp_flag",
        "case_managed",
        "exclusion_note",
        "current_tier",
        "patient_score",
        "run",
        "model_version",
    ):
        op.drop_table(table, schema=SCHEMA)
