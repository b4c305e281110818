"""One current Patient per NHS number: duplicates merged, then a unique index on the patient key.

A store may already hold two Patients with one NHS number (created before the index existed).
Each such set is merged first (service_layer/patient_merging.py): the oldest Patient survives;
every CarePlan, CareTeam, Goal and Flag of the others moves to it as a new version; the others
stay readable, inactive and linked `replaced-by` the survivor; each merge is recorded in
`patient_merge` and in the access audit. Downgrading drops the index and the record, and keeps
the merged records as they are (a merge is not undone).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op

from careplans.adapters.patient_merges import create_patient_merge_table
from careplans.adapters.resource_tables import PATIENT_IDENTITY_INDEX, create_patient_identity_index
from careplans.service_layer.patient_merging import merge_duplicate_patients

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "careplans"


def upgrade() -> None:
    create_patient_merge_table(op, SCHEMA)
    merge_duplicate_patients(op.get_bind(), at=datetime.now(UTC))
    create_patient_identity_index(op, SCHEMA)


def downgrade() -> None:
    op.drop_index(PATIENT_IDENTITY_INDEX, table_name="resource", schema=SCHEMA)
    op.drop_table("patient_merge", schema=SCHEMA)
