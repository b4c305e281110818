"""Workforce (teams, case managers, practices), cases, waiting list and MDT review outcomes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "caseload"
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("locality", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("lead_id", sa.String(64)),
        sa.Column("created_at", TZ, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "case_managers",
        sa.Column("manager_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("profession", sa.String(32), nullable=False),
        sa.Column(
            "team_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.teams.team_id"), nullable=False
        ),
        sa.Column("locality", sa.String(16), nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("working_days", JSONB, nullable=False),
        sa.Column("capacity_points", sa.Integer, nullable=False),
        sa.Column("skills", JSONB, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_case_managers_locality", "case_managers", ["locality"], schema=SCHEMA)
    op.create_table(
        "practices",
        sa.Column("practice_code", sa.String(16), primary_key=True),
        sa.Column("locality", sa.String(16), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("patient_key", sa.String(64), nullable=False),
        sa.Column("nhs_number", sa.String(10)),
        sa.Column("referral_id", sa.String(128)),
        sa.Column("need_level", sa.String(16), nullable=False),
        sa.Column("most_pressing_need", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16)),
        sa.Column("locality", sa.String(16), nullable=False),
        sa.Column("practice_code", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignment_kind", sa.String(32)),
        sa.Column("case_manager_id", sa.String(64)),
        sa.Column("team_id", sa.String(64)),
        sa.Column("assigned_on", sa.Date),
        sa.Column("review_interval_days", sa.Integer),
        sa.Column("last_review_on", sa.Date),
        sa.Column("next_review_on", sa.Date),
        sa.Column("review_announced_for", sa.Date),
        sa.Column("early_review", sa.Boolean, nullable=False),
        sa.Column("discharge_reason", sa.String(32)),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("history", JSONB, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ux_cases_referral", "cases", ["referral_id"], unique=True, schema=SCHEMA)
    op.create_index(
        "ux_cases_open_patient",
        "cases",
        ["patient_key"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('waiting', 'active')"),
    )
    op.create_index("ix_cases_patient", "cases", ["patient_key"], schema=SCHEMA)
    op.create_index("ix_cases_manager", "cases", ["case_manager_id"], schema=SCHEMA)
    op.create_index(
        "ix_cases_review_due",
        "cases",
        ["next_review_on"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "waiting_list",
        sa.Column(
            "case_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.cases.case_id"), primary_key=True
        ),
        sa.Column("sequence", sa.BigInteger, sa.Identity(always=False), nullable=False),
        sa.Column("patient_key", sa.String(64), nullable=False),
        sa.Column("locality", sa.String(16), nullable=False),
        sa.Column("most_pressing_need", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16)),
        sa.Column("waitlisted_at", TZ, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "review_outcomes",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "case_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.cases.case_id"), nullable=False
        ),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", TZ, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("plan_summary", sa.Text, nullable=False),
        sa.Column("transfer_to", JSONB),
        sa.Column("discharge_reason", sa.String(32)),
        sa.Column("criteria_met", JSONB, nullable=False),
        sa.Column("next_review_in_days", sa.Integer),
        schema=SCHEMA,
    )
    op.create_index("ix_review_outcomes_case", "review_outcomes", ["case_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in (
        "review_outcomes",
        "waiting_list",
        "cases",
        "practices",
        "case_managers",
        "teams",
    ):
        op.drop_table(table, schema=SCHEMA)
