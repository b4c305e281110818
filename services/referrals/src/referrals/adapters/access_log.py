"""Access audit rows written by the referrals store itself, so a write and its audit row can go
to Postgres in one statement; the rows are built by cch_servicekit.audit.access_row, exactly as
record_access builds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cch_servicekit.audit import access_row
from referrals.adapters.tables import access_audit

INSERT_ACCESS = sa.insert(access_audit)


@dataclass(frozen=True, kw_only=True)
class Accessor:
    """Who is writing, as the audit row names them."""

    actor: str
    roles: tuple[str, ...]
    organisation: str | None
    detail_prefix: str

    def row(
        self, *, interaction: str, resource_id: str, patient_key: str | None, detail: str
    ) -> dict[str, Any]:
        """The access_audit row's values (column names as keys)."""
        return access_row(
            actor=self.actor,
            roles=self.roles,
            organisation=self.organisation,
            interaction=interaction,
            resource_type="ServiceRequest",
            resource_id=resource_id,
            patient_key=patient_key,
            detail=f"{self.detail_prefix} {detail}".strip(),
        )
