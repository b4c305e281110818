"""The record of each Patient merged into another: who survived, and what moved to it."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("merged_id", sa.String(64), primary_key=True),
        sa.Column("survivor_id", sa.String(64), nullable=False),
        sa.Column("patient_key", sa.String(64), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        # "Type/id" of every record whose subject moved from the merged Patient to the survivor
        sa.Column("records_moved", ARRAY(sa.Text), nullable=False, server_default="{}"),
    ]


def patient_merge_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "patient_merge", metadata, *_columns(), sa.Index("ix_patient_merge_survivor", "survivor_id")
    )


def create_patient_merge_table(op: Any, schema: str) -> None:
    op.create_table("patient_merge", *_columns(), schema=schema)
    op.create_index("ix_patient_merge_survivor", "patient_merge", ["survivor_id"], schema=schema)
