"""Rapid-response requests with their SLA fields, the clinician roster and a transitions log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "dispatch"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("referral_id", sa.String(128), nullable=True, unique=True),
        sa.Column("patient_key", sa.String(128), nullable=False),
        sa.Column("nhs_number", sa.String(10), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("postcode", sa.String(16), nullable=False),
        sa.Column("easting", sa.Float, nullable=False),
        sa.Column("northing", sa.Float, nullable=False),
        sa.Column("locality", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("skills_needed", sa.JSON, nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("care_plan_alerts_ref", sa.String(256), nullable=True),
        sa.Column("high_risk", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("clinician_id", sa.String(64), nullable=True),
        sa.Column("excluded_clinicians", sa.JSON, nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("projected_arrival", TS, nullable=True),
        sa.Column("assignment_why", sa.Text, nullable=True),
        sa.Column("arrived_at", TS, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("at_risk_warned_at", TS, nullable=True),
        sa.Column("breached_at", TS, nullable=True),
        sa.Column("breach_reason", sa.Text, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_requests_patient_key", "requests", ["patient_key"], schema=SCHEMA)
    op.create_index(
        "ix_requests_one_open_per_patient",
        "requests",
        ["patient_key"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('requested','assigned','accepted','en-route')"),
    )
    op.create_table(
        "clinicians",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("base_name", sa.String(64), nullable=True),
        sa.Column("base_easting", sa.Float, nullable=False),
        sa.Column("base_northing", sa.Float, nullable=False),
        sa.Column("easting", sa.Float, nullable=False),
        sa.Column("northing", sa.Float, nullable=False),
        sa.Column("position_at", TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("shift_start", TS, nullable=False),
        sa.Column("shift_end", TS, nullable=False),
        sa.Column("leaving_after_job", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=SCHEMA,
    )
    op.create_table(
        "transitions",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("clinician_id", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(200), nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_transitions_request_id", "transitions", ["request_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("transitions", schema=SCHEMA)
    op.drop_table("clinicians", schema=SCHEMA)
    op.drop_table("requests", schema=SCHEMA)
