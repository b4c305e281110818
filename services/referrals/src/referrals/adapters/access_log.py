"""Access audit rows written by the referrals store itself, so a write and its audit row can go
to Postgres in one statement (the same columns and codes as cch_servicekit.audit.record_access)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from referrals.adapters.tables import access_audit

# FHIR AuditEvent.action codes, as record_access writes them.
_ACTIONS = {"create": "C", "read": "R", "update": "U"}

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
        return {
            "id": uuid.uuid4(),
            "recorded_at": datetime.now(UTC),
            "actor": self.actor,
            "actor_roles": sorted(self.roles),
            "organisation": self.organisation,
            "action": _ACTIONS.get(interaction, "E"),
            "interaction": interaction,
            "resource_type": "ServiceRequest",
            "resource_id": resource_id,
            "patient_key": patient_key,
            "outcome": "0",
            "detail": f"{self.detail_prefix} {detail}".strip(),
        }
