"""Model registry, runs, scores, current tiers and what other services told us."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from stratification.adapters.tables import metadata

model_version = sa.Table(
    "model_version",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("training_window", JSONB, nullable=False),
    sa.Column("features", JSONB, nullable=False),
    sa.Column("artefact", JSONB, nullable=False),
    sa.Column("metrics", JSONB, nullable=False),
)

run = sa.Table(
    "run",
    metadata,
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
)

patient_score = sa.Table(
    "patient_score",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.Integer, primary_key=True),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("tier", sa.String(8), nullable=False),
    sa.Column("factors", ARRAY(sa.Text), nullable=False),
)

current_tier = sa.Table(
    "current_tier",
    metadata,
    sa.Column("patient_id", sa.Integer, primary_key=True),
    sa.Column("tier", sa.String(8), nullable=False),
    sa.Column("previous_tier", sa.String(8)),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("run_id", sa.String(36), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# Learned from events: exclusion notes (referrals), case management (caseload), GP flags.
exclusion_note = sa.Table(
    "exclusion_note",
    metadata,
    sa.Column("patient_key", sa.String(64), primary_key=True),
    sa.Column("referral_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("next_review_on", sa.Date, nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
case_managed = sa.Table(
    "case_managed",
    metadata,
    sa.Column("patient_key", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
)
gp_flag = sa.Table(
    "gp_flag",
    metadata,
    sa.Column("patient_key", sa.String(64), primary_key=True),
    sa.Column("referral_id", sa.String(64), nullable=False),
    sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
)
