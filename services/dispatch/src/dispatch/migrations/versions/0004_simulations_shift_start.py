"""County simulations over the API; when a clinician last went off duty (shifts start on time).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.add_column(
        "clinicians",
        sa.Column("off_duty_since", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.create_table(
        "simulations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scale", sa.Float, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("roster", sa.String(64), nullable=False),
        sa.Column("policies", sa.JSON, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("results", sa.JSON, nullable=True),
        sa.Column("seconds", sa.Float, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_simulations_created_at", "simulations", ["created_at"], schema=SCHEMA)
    # One simulation queued or running at a time, whichever process takes the request.
    op.execute(
        f"CREATE UNIQUE INDEX ix_simulations_one_at_a_time ON {SCHEMA}.simulations ((true)) "
        "WHERE status IN ('queued', 'running')"
    )


def downgrade() -> None:
    op.drop_table("simulations", schema=SCHEMA)
    op.drop_column("clinicians", "off_duty_since", schema=SCHEMA)
