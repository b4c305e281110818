"""Tables of the caseload schema (the only schema this service's role can touch)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from cch_messaging import inbox_table, outbox_table
from cch_servicekit.audit import audit_table

SCHEMA = "caseload"
metadata = sa.MetaData(schema=SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
access_audit = audit_table(metadata)

OPEN_STATUSES = ("waiting", "active")

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("team_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("locality", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("lead_id", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

case_managers = sa.Table(
    "case_managers",
    metadata,
    sa.Column("manager_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("profession", sa.String(32), nullable=False),
    sa.Column("team_id", sa.String(64), sa.ForeignKey("teams.team_id"), nullable=False),
    sa.Column("locality", sa.String(16), nullable=False),
    sa.Column("fte", sa.Float, nullable=False),
    sa.Column("working_days", JSONB, nullable=False),
    sa.Column("capacity_points", sa.Integer, nullable=False),
    sa.Column("skills", JSONB, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_case_managers_locality", "locality"),
)

practices = sa.Table(
    "practices",
    metadata,
    sa.Column("practice_code", sa.String(16), primary_key=True),
    sa.Column("locality", sa.String(16), nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
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
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("history", JSONB, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # migration 0004: the referral changed under the case
    sa.Column("included_at", sa.DateTime(timezone=True)),
    sa.Column("referral_status", sa.String(32)),
    sa.Column("attention", JSONB),
    # migration 0005: a referral included again after its case closed opens the next episode
    sa.Column("referral_episode", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("follows_case_id", sa.String(64)),
    # migration 0006: the standing inclusion's triage decision version (None: not sent)
    sa.Column("included_version", sa.Integer),
    sa.Index("ux_cases_referral_episode", "referral_id", "referral_episode", unique=True),
    sa.Index(
        "ux_cases_open_patient",
        "patient_key",
        unique=True,
        postgresql_where=sa.text("status IN ('waiting', 'active')"),
    ),
    sa.Index("ix_cases_patient", "patient_key"),
    sa.Index("ix_cases_manager", "case_manager_id"),
    sa.Index(
        "ix_cases_attention",
        "locality",
        postgresql_where=sa.text("attention IS NOT NULL AND status IN ('waiting', 'active')"),
    ),
    sa.Index(
        "ix_cases_review_due",
        "next_review_on",
        postgresql_where=sa.text("status = 'active'"),
    ),
)

waiting_list = sa.Table(
    "waiting_list",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.case_id"), primary_key=True),
    sa.Column("sequence", sa.BigInteger, sa.Identity(always=False), nullable=False),
    sa.Column("patient_key", sa.String(64), nullable=False),
    sa.Column("locality", sa.String(16), nullable=False),
    sa.Column("most_pressing_need", sa.String(32), nullable=False),
    sa.Column("tier", sa.String(16)),
    sa.Column("waitlisted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    # migration 0005: passed over while the referral is on hold, keeping the place
    sa.Column("on_hold", sa.Boolean, nullable=False, server_default=sa.false()),
)

review_outcomes = sa.Table(
    "review_outcomes",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.case_id"), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("plan_summary", sa.Text, nullable=False),
    sa.Column("transfer_to", JSONB),
    sa.Column("discharge_reason", sa.String(32)),
    sa.Column("criteria_met", JSONB, nullable=False),
    sa.Column("next_review_in_days", sa.Integer),
    sa.Index("ix_review_outcomes_case", "case_id"),
)

# One row: the id of the last transaction that changed any table the caseload domain is built
# from (stamped by statement triggers, migration 0003); a consumer reuses its in-memory domain
# only while the stamp is still its own last transaction's.
domain_generation = sa.Table(
    "domain_generation",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("generation", sa.BigInteger, nullable=False),
)
