"""Referral tables: the current referral (searchable columns + FHIR resource + domain state),
its version history, triage decisions, exclusion notes, referrer identifiers, case-managed patients.

The partial unique index `ux_referral_one_open` is the database's half of the one-open-referral
rule: two concurrent arrivals for one patient cannot both open a referral.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from referrals.adapters.tables import metadata

OPEN_STATUS_SQL = "status IN ('draft', 'active', 'on-hold')"

referral = sa.Table(
    "referral",
    metadata,
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
    # when the referrer wants the patient seen (occurrence[x]): first and last instant, open = NULL
    sa.Column("see_from", sa.DateTime(timezone=True)),
    sa.Column("see_by", sa.DateTime(timezone=True)),
    sa.Index("ix_referral_patient", "patient_key"),
    sa.Index("ix_referral_nhs", "nhs_number"),
    sa.Index("ix_referral_practice_status", "practice_code", "status"),
    sa.Index("ix_referral_received", "received_at"),
    sa.Index(
        "ux_referral_one_open",
        "patient_key",
        "programme",
        unique=True,
        postgresql_where=sa.text(OPEN_STATUS_SQL),
    ),
)

referral_version = sa.Table(
    "referral_version",
    metadata,
    sa.Column(
        "referral_id", sa.String(64), sa.ForeignKey("referrals.referral.id"), primary_key=True
    ),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("resource", JSONB, nullable=False),
)

referrer_identifier = sa.Table(
    "referrer_identifier",
    metadata,
    sa.Column("system", sa.String(200), primary_key=True),
    sa.Column("value", sa.String(200), primary_key=True),
    sa.Column("referral_id", sa.String(64), sa.ForeignKey("referrals.referral.id"), nullable=False),
    sa.Column("patient_key", sa.String(64), nullable=False),
)

triage_decision = sa.Table(
    "triage_decision",
    metadata,
    sa.Column(
        "referral_id", sa.String(64), sa.ForeignKey("referrals.referral.id"), primary_key=True
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
)

exclusion_note = sa.Table(
    "exclusion_note",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("patient_key", sa.String(64), nullable=False),
    sa.Column("referral_id", sa.String(64)),
    sa.Column("decision_version", sa.Integer),
    sa.Column("excluded_on", sa.Date, nullable=False),
    sa.Column("next_review_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("lifted_on", sa.Date),
    sa.Index("ix_exclusion_note_patient", "patient_key"),
)

case_managed_patient = sa.Table(
    "case_managed_patient",
    metadata,
    sa.Column("patient_key", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
)
