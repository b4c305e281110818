"""When the referrer wants the patient seen (ServiceRequest.occurrence[x]), searchable.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "referrals"


def upgrade() -> None:
    op.add_column("referral", sa.Column("see_from", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("referral", sa.Column("see_by", sa.DateTime(timezone=True)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("referral", "see_by", schema=SCHEMA)
    op.drop_column("referral", "see_from", schema=SCHEMA)
