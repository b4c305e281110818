"""One current Patient per NHS number: a unique index on the Patient's patient key.

Fails (naming the duplicate key) where a store already holds two Patients with one NHS number;
merge those first, keeping one, and repoint the other's records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from careplans.adapters.resource_tables import PATIENT_IDENTITY_INDEX, create_patient_identity_index

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "careplans"


def upgrade() -> None:
    create_patient_identity_index(op, SCHEMA)


def downgrade() -> None:
    op.drop_index(PATIENT_IDENTITY_INDEX, table_name="resource", schema=SCHEMA)
