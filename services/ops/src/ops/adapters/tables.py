"""Tables of the ops schema (the only schema this service's role can touch)."""

import sqlalchemy as sa

from cch_messaging import inbox_table, outbox_table
from cch_servicekit.audit import audit_table

SCHEMA = "ops"
metadata = sa.MetaData(schema=SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
access_audit = audit_table(metadata)

# An index of every event seen on the bus: envelope metadata only, never the clinical payload.
event_log = sa.Table(
    "event_log",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("type", sa.String(128), nullable=False),
    sa.Column("source", sa.String(256), nullable=False),
    sa.Column("subject", sa.String(256)),
    sa.Column("topic", sa.String(128), nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("correlation_id", sa.String(128)),
    sa.Column("causation_id", sa.String(128)),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column(
        "indexed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("ix_event_log_occurred_at", "occurred_at"),
    sa.Index("ix_event_log_type", "type", "occurred_at"),
    sa.Index("ix_event_log_correlation", "correlation_id"),
)
