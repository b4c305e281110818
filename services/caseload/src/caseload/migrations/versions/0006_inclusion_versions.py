"""A case remembers the triage decision version of the inclusion standing on it.

referral.accepted.v1 now names the decision it records (`decision_version`). The MDT may backdate
a decision to any time after receipt, so only the version tells a re-inclusion from a replay.
Existing cases keep NULL: their inclusions are still told apart by decision time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "caseload"


def upgrade() -> None:
    op.add_column("cases", sa.Column("included_version", sa.Integer), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("cases", "included_version", schema=SCHEMA)
