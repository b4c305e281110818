"""A referral included again after its case closed opens the next episode; a waiting patient
whose referral is on hold is passed over, keeping their place.

Cases were unique per referral; they are now unique per referral and episode (existing cases are
episode 1). Waiting-list places of referrals already on hold are marked held.

Downgrading fails while any referral has more than one episode (merge or delete them first).

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

SCHEMA = "caseload"


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("referral_episode", sa.Integer, nullable=False, server_default=sa.text("1")),
        schema=SCHEMA,
    )
    op.add_column("cases", sa.Column("follows_case_id", sa.String(64)), schema=SCHEMA)
    op.drop_index("ux_cases_referral", table_name="cases", schema=SCHEMA)
    op.create_index(
        "ux_cases_referral_episode",
        "cases",
        ["referral_id", "referral_episode"],
        unique=True,
        schema=SCHEMA,
    )
    op.add_column(
        "waiting_list",
        sa.Column("on_hold", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=SCHEMA,
    )
    op.execute(
        f"UPDATE {SCHEMA}.waiting_list AS w SET on_hold = true FROM {SCHEMA}.cases AS c"
        " WHERE c.case_id = w.case_id AND c.referral_status = 'on-hold'"
    )


def downgrade() -> None:
    op.drop_column("waiting_list", "on_hold", schema=SCHEMA)
    op.drop_index("ux_cases_referral_episode", table_name="cases", schema=SCHEMA)
    op.create_index("ux_cases_referral", "cases", ["referral_id"], unique=True, schema=SCHEMA)
    op.drop_column("cases", "follows_case_id", schema=SCHEMA)
    op.drop_column("cases", "referral_episode", schema=SCHEMA)
