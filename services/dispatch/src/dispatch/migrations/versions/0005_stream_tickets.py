"""Board stream tickets in the database, so any replica redeems a ticket another one issued.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "dispatch"


def upgrade() -> None:
    # Only the ticket's SHA-256 (hex) is stored; the ticket itself never reaches the database.
    op.create_table(
        "stream_tickets",
        sa.Column("ticket_hash", sa.String(64), primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_roles", sa.JSON, nullable=False),
        sa.Column("organisation", sa.String(64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_stream_tickets_actor", "stream_tickets", ["actor"], schema=SCHEMA)
    op.create_index("ix_stream_tickets_expires_at", "stream_tickets", ["expires_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("stream_tickets", schema=SCHEMA)
