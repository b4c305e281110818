"""Platform tables: outbox, inbox and access audit in the careplans schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from cch_messaging.tables import create_messaging_tables, drop_messaging_tables
from cch_servicekit.audit import create_audit_table

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "careplans"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    create_audit_table(op, SCHEMA)


def downgrade() -> None:
    op.drop_table("access_audit", schema=SCHEMA)
    drop_messaging_tables(op, SCHEMA)
