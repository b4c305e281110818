"""Versioned FHIR resource store: current versions with search columns, and every version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from careplans.adapters.resource_tables import create_resource_tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "careplans"


def upgrade() -> None:
    create_resource_tables(op, SCHEMA)


def downgrade() -> None:
    op.drop_table("resource_version", schema=SCHEMA)
    op.drop_table("resource", schema=SCHEMA)
