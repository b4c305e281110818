"""Event log index.

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

SCHEMA = "ops"


def upgrade() -> None:
    op.create_table(
        "event_log",
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
        schema=SCHEMA,
    )
    op.create_index("ix_event_log_occurred_at", "event_log", ["occurred_at"], schema=SCHEMA)
    op.create_index("ix_event_log_type", "event_log", ["type", "occurred_at"], schema=SCHEMA)
    op.create_index("ix_event_log_correlation", "event_log", ["correlation_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("event_log", schema=SCHEMA)
