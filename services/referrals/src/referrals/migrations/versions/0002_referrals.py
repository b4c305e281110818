"""Referrals, their version history, triage decisions, exclusion notes, identifiers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "referrals"


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("patient_key", sa.String(64), nullable=False),
        sa.Column("nhs_number", sa.String(10)),
        sa.Column("programme", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("routes", JSONB, nullable=False),
        sa.Column("practice_code", sa.String(10)),
        sa.Column("locality", sa.String(16)),
        sa.Column("tier", sa.String(16)),
        sa.Column("requester", sa.String(200), nullable=False),
        sa.Column("authored_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_decided_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", JSONB, nullable=False),
        sa.Column("resource", JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_referral_patient", "referral", ["patient_key"], schema=SCHEMA)
    op.create_index("ix_referral_nhs", "referral", ["nhs_number"], schema=SCHEMA)
    op.create_index(
        "ix_referral_practice_status", "referral", ["practice_code", "status"], schema=SCHEMA
    )
    op.create_index("ix_referral_received", "referral", ["received_at"], schema=SCHEMA)
    op.create_index(
        "ux_referral_one_open",
        "referral",
        ["patient_key", "programme"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('draft', 'active', 'on-hold')"),
    )
    op.create_table(
        "referral_version",
        sa.Column(
            "referral_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.referral.id"), primary_key=True
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource", JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "referrer_identifier",
        sa.Column("system", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column(
            "referral_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.referral.id"), nullable=False
        ),
        sa.Column("patient_key", sa.String(64), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "triage_decision",
        sa.Column(
            "referral_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.referral.id"), primary_key=True
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("need_level", sa.String(16)),
        sa.Column("eligibility_criteria", JSONB, nullable=False),
        sa.Column("most_pressing_need", sa.String(32)),
        sa.Column("locality", sa.String(16)),
        sa.Column("exclusion_reason", sa.String(32)),
        sa.Column("reason_text", sa.Text, nullable=False),
        sa.Column("next_review_on", sa.Date),
        sa.Column("reverses_version", sa.Integer),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "exclusion_note",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("patient_key", sa.String(64), nullable=False),
        sa.Column("referral_id", sa.String(64)),
        sa.Column("decision_version", sa.Integer),
        sa.Column("excluded_on", sa.Date, nullable=False),
        sa.Column("next_review_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("lifted_on", sa.Date),
        schema=SCHEMA,
    )
    op.create_index("ix_exclusion_note_patient", "exclusion_note", ["patient_key"], schema=SCHEMA)
    op.create_table(
        "case_managed_patient",
        sa.Column("patient_key", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "case_managed_patient",
        "exclusion_note",
        "triage_decision",
        "referrer_identifier",
        "referral_version",
        "referral",
    ):
        op.drop_table(table, schema=SCHEMA)
