"""A generation stamp every change to the caseload domain's tables moves (consumer cache check).

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

SCHEMA = "caseload"
# Tables whose rows the in-memory caseload domain (workforce, loads, waiting list) is built from.
WATCHED = ("teams", "case_managers", "practices", "cases", "waiting_list")


def upgrade() -> None:
    op.create_table(
        "domain_generation",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_domain_generation_single_row"),
        schema=SCHEMA,
    )
    op.execute(f"INSERT INTO {SCHEMA}.domain_generation (id, generation) VALUES (1, 0)")
    # The writing transaction's own id: a transaction that rolls back leaves the stamp unchanged.
    # Stamped once per transaction (later statements find it already theirs and write nothing).
    op.execute(
        f"""
        CREATE FUNCTION {SCHEMA}.stamp_domain_generation() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {SCHEMA}.domain_generation SET generation = txid_current()
            WHERE id = 1 AND generation <> txid_current();
            RETURN NULL;
        END
        $$
        """
    )
    for table in WATCHED:
        op.execute(
            f"CREATE TRIGGER stamp_domain_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {SCHEMA}.{table} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION {SCHEMA}.stamp_domain_generation()"
        )


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS stamp_domain_generation ON {SCHEMA}.{table}")
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.stamp_domain_generation()")
    op.drop_table("domain_generation", schema=SCHEMA)
