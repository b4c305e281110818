"""Ingest job log: state and progress of every load, polled by the data team while it runs."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from stratification.adapters.tables import metadata

ingest_job = sa.Table(
    "ingest_job",
    metadata,
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
    sa.Index("ix_ingest_job_created", "created_at"),
)

# Unlogged staging for set-based checks and upserts; empty outside an ingest transaction.
staged_patient = sa.Table(
    "staged_patient",
    metadata,
    sa.Column("ord", sa.Integer, nullable=False),
    sa.Column("nhs_number", sa.Text, nullable=False),
    sa.Column("sex", sa.Text, nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("practice_code", sa.Text, nullable=False),
    sa.Column("postcode", sa.Text),
    sa.Column("easting", sa.Integer),
    sa.Column("northing", sa.Integer),
    prefixes=["UNLOGGED"],
)
staged_activity = sa.Table(
    "staged_activity",
    metadata,
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("nhs_number", sa.Text, nullable=False),
    sa.Column("patient_id", sa.Integer, nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("icd10_primary", sa.Text, nullable=False),
    sa.Column("icd10_secondary", ARRAY(sa.Text), nullable=False),
    prefixes=["UNLOGGED"],
)
