"""Tables of the stratification schema (the only schema this service's role can touch)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from cch_messaging import inbox_table, outbox_table
from cch_servicekit.audit import audit_table

SCHEMA = "stratification"
metadata = sa.MetaData(schema=SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
access_audit = audit_table(metadata)

practice = sa.Table(
    "practice",
    metadata,
    sa.Column("code", sa.String(6), primary_key=True),
    sa.Column("locality", sa.String(8), nullable=False),
    sa.Column("postcode", sa.String(8)),
    sa.Column("easting", sa.Integer),
    sa.Column("northing", sa.Integer),
)

# Registered patients as ingested (primary care registry + location for travel).
patient = sa.Table(
    "patient",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nhs_number", sa.String(10), nullable=False, unique=True),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("practice_code", sa.String(6), sa.ForeignKey(practice.c.code), nullable=False),
    sa.Column("postcode", sa.String(8)),
    sa.Column("easting", sa.Integer),
    sa.Column("northing", sa.Integer),
    sa.Index("ix_patient_practice", "practice_code"),
)

# Combined primary and secondary care activity, ICD-10 coded.
activity = sa.Table(
    "activity",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("patient_id", sa.Integer, sa.ForeignKey(patient.c.id), nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("icd10_primary", sa.String(8), nullable=False),
    sa.Column("icd10_secondary", ARRAY(sa.String(8)), nullable=False),
    sa.Index("ix_activity_patient", "patient_id", "occurred_on"),
)

population_load = sa.Table(
    "population_load",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("seed", sa.BigInteger),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("patients", sa.Integer, nullable=False),
    sa.Column("activity_rows", sa.BigInteger, nullable=False),
    sa.Column(
        "loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)
