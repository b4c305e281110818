"""Access audit for patient data: who did what to which record, when, and the outcome."""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cch_auth import Principal


def _audit_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_roles", JSONB, nullable=False),
        sa.Column("organisation", sa.String(64)),
        sa.Column("action", sa.String(16), nullable=False),  # C R U D E (FHIR audit actions)
        sa.Column("interaction", sa.String(32), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(128)),
        sa.Column("patient_key", sa.String(64)),
        sa.Column("outcome", sa.String(8), nullable=False),  # 0 success, 4 minor, 8 serious
        sa.Column("detail", sa.Text),
    ]


def audit_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "access_audit",
        metadata,
        *_audit_columns(),
        sa.Index("ix_access_audit_recorded_at", "recorded_at"),
        sa.Index("ix_access_audit_patient", "patient_key"),
    )


def create_audit_table(op: Any, schema: str) -> None:

    op.create_table("access_audit", *_audit_columns(), schema=schema)
    op.create_index("ix_access_audit_recorded_at", "access_audit", ["recorded_at"], schema=schema)
    op.create_index("ix_access_audit_patient", "access_audit", ["patient_key"], schema=schema)


_ACTIONS = {
    "create": "C",
    "read": "R",
    "vread": "R",
    "search": "E",
    "history": "R",
    "update": "U",
    "patch": "U",
    "delete": "D",
    "validate": "E",
}


def access_row(
    *,
    actor: str,
    roles: frozenset[str] | tuple[str, ...],
    organisation: str | None,
    interaction: str,
    resource_type: str,
    resource_id: str | None,
    patient_key: str | None,
    outcome: str = "0",
    detail: str | None = None,
) -> dict[str, Any]:
    """One access_audit row's values, for a service that writes the row inside its own statement
    (so a write and its audit go to Postgres together)."""
    return {
        "id": uuid.uuid4(),
        "recorded_at": datetime.now(UTC),
        "actor": actor,
        "actor_roles": sorted(roles),
        "organisation": organisation,
        "action": _ACTIONS.get(interaction, "E"),
        "interaction": interaction,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "patient_key": patient_key,
        "outcome": outcome,
        "detail": detail,
    }


async def record_access(
    session: AsyncSession | AsyncConnection,
    table: sa.Table,
    *,
    principal: Principal,
    interaction: str,
    resource_type: str,
    resource_id: str | None,
    patient_key: str | None,
    outcome: str = "0",
    detail: str | None = None,
) -> None:
    """Add an audit row to the caller's transaction, so a write and its audit commit together."""
    row = access_row(
        actor=principal.actor,
        roles=principal.roles,
        organisation=principal.organisation,
        interaction=interaction,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_key=patient_key,
        outcome=outcome,
        detail=detail,
    )
    await session.execute(sa.insert(table).values(**row))
